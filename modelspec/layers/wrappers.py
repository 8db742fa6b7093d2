"""TimeDistributed: one layer applied to every step of a sequence (`keras.layers.TimeDistributed`)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator
from typing_extensions import override

from .base import AnyLayer, Layer, Shape, Weight, expect_rank, refuse_mask, register


@register
class TimeDistributed(Layer):
    """Applies `layer` (any one-input kind) to each step along axis 1 with the same weights:
    (steps, *x) -> (steps, *layer's output for x). Its weights are the wrapped layer's, under
    their own names (Keras: the wrapper's `weights` are its layer's).

    Keras applies the layer step by step, so a layer whose training depends on the batch's
    statistics (BatchNormalization: per-step statistics, its moving averages updated once per
    step) is refused; so is a wrapped kind of several inputs or outputs. A mask passes on
    unchanged, so it is taken only where the wrapped layer passes it on without reading it.
    """

    type: Literal["TimeDistributed"] = "TimeDistributed"
    layer: AnyLayer
    has_weights = True
    supports_masking = True

    @field_validator("layer")
    @classmethod
    def _one_step_at_a_time(cls, layer: Layer) -> Layer:
        if layer.min_inputs > 1:
            raise ValueError(f"TimeDistributed wraps a layer of one input, not {layer.type}")
        if getattr(layer, "activity_regularizer", None) is not None:
            raise ValueError(
                "activity_regularizer on the wrapped layer is refused: Keras' TimeDistributed "
                "calls the layer without it (it would be ignored)"
            )
        if len(layer.output_names()) > 1:
            raise ValueError(
                f"TimeDistributed wraps a layer of one output, not {layer.type} with "
                f"return_state (it returns {', '.join(layer.output_names())})"
            )
        if layer.type == "BatchNormalization":
            raise ValueError(
                "TimeDistributed(BatchNormalization) is not supported: Keras normalizes each "
                "step by its own batch statistics while training"
            )
        return layer

    def step(self, x: Shape) -> Shape:
        """The shape of one step: `x` without its first axis; `ShapeError` below rank 2."""
        expect_rank(self, x, tuple(range(2, 9)), "(steps, ...)")
        return x[1:]

    @override
    def output_shape(self, x: Shape) -> Shape:
        return (x[0], *self.layer.output_shape(self.step(x)))

    def weights(self, x: Shape) -> dict[str, Weight]:
        """The wrapped layer's weights for one step's shape."""
        return self.layer.weights(self.step(x))

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape) -> bool:
        # Keras' TimeDistributed passes its input's mask on unchanged, whatever its layer does
        if masks[0] and (self.layer.reads_mask or not self.layer.compute_mask(masks, self.step(x))):
            refuse_mask(
                self,
                f"it passes the mask on unchanged, which fits only a wrapped layer that passes "
                f"a mask on without reading it (Dense, Dropout, activations), not "
                f"{self.layer.type}",
            )
        return masks[0]

    @override
    def check_dtypes(self, *dtypes: str) -> None:
        self.layer.check_dtypes(*dtypes)  # each step goes to the wrapped layer as it is

    @override
    def output_dtype(self, *dtypes: str) -> str:
        return self.layer.output_dtype(*dtypes)

    @override
    def describe(self) -> str:
        inner = self.layer.describe()
        return f"{self.layer.type}({inner})" if inner else self.layer.type
