// The live training run's server-sent events. The browser's EventSource reconnects by itself
// and sends the last event's id, and the server replays what was missed, so nothing is lost.

const KINDS = ["run", "state", "costs", "epoch"];

export class TrainingStream {
  /** ``onEvent(kind, data)`` for every event, in order. */
  constructor(onEvent) {
    this.source = new EventSource("/api/training/events");
    this.received = 0;
    for (const kind of KINDS) {
      this.source.addEventListener(kind, (event) => {
        this.received += 1;
        onEvent(kind, JSON.parse(event.data));
      });
    }
  }

  close() {
    this.source.close();
  }
}
