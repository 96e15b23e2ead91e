"""The test-set browser: the images the network never learned from, its mistakes first.

    GET /api/test-set               is there a test set, how many, how many wrong
    GET /api/test-set/{position}    the test image at position (misclassified first)
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from digitnet.web.explain import explain
from digitnet.web.schemas import TestItem, TestSetInfo
from digitnet.web.state import ServedDep

router = APIRouter()


@router.get("/api/test-set", summary="The test set: size and how many the network gets wrong")
def test_set_summary(served: ServedDep) -> TestSetInfo:
    return served.test_set_info()


@router.get("/api/test-set/{position}",
            summary="The test image at a position; the misclassified ones come first")
def test_item(position: int, served: ServedDep) -> TestItem:
    tests = served.tests
    if tests is None:
        raise HTTPException(404, f"the test set is unavailable: {served.test_set_note}")
    if not 0 <= position < tests.order.shape[0]:
        raise HTTPException(404, f"positions are 0..{tests.order.shape[0] - 1}, "
                                 f"not {position}")
    index = int(tests.order[position])
    label, predicted = int(tests.labels[index]), int(tests.predicted[index])
    return TestItem(position=position, index=index, label=label, predicted=predicted,
                    correct=label == predicted,
                    prediction=explain(served.network, tests.images[index]))
