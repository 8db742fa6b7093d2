"""Which input dtypes a layer kind takes (`Layer.input_dtypes`), and the message for one it
does not: the rule both back ends hold to.

Keras casts a float input to a layer's dtype but hands an integer or boolean one to the call as
it is (`DTypePolicy.convert_input`), where most kinds fail (TensorFlow has no integer softmax,
elu or depthwise convolution) or compute on it while the functional model declares float32
(Dropout, pooling, padding: the model's declared and actual dtypes differ, and so would torch's).
So a kind takes floats unless it says otherwise: every dtype for the kinds whose weights or own
casts make floats of any input, and for those that only move values.
"""

from __future__ import annotations

FLOAT_DTYPES: tuple[str, ...] = ("float32", "float64", "float16")
INTEGER_DTYPES: tuple[str, ...] = ("int32", "int64")
NUMBER_DTYPES: tuple[str, ...] = (*FLOAT_DTYPES, *INTEGER_DTYPES)
ALL_DTYPES: tuple[str, ...] = (*NUMBER_DTYPES, "bool")


def dtype_problem(kind: str, taken: tuple[str, ...], dtypes: tuple[str, ...]) -> str | None:
    """Why a layer of `kind` taking `taken` cannot read inputs of `dtypes` (one per positional
    input), naming the input at fault when there are several, or None when it can."""
    for i, dtype in enumerate(dtypes):
        if dtype in taken:
            continue
        which = f" for input {i + 1}" if len(dtypes) > 1 else ""
        words = "float" if taken == FLOAT_DTYPES else ", ".join(taken)
        hint = ""
        if dtype not in FLOAT_DTYPES:  # Keras casts floats to a layer's dtype, nothing else
            hint = (
                ": Keras hands an integer or boolean input to a layer uncast; make floats of it "
                "first (a Rescaling of scale 1 casts it to float32)"
            )
        return f"{kind} takes {words} inputs, got {dtype}{which}{hint}"
    return None
