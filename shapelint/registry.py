"""The one registry of rules: the single source for selection, docs and output.

A rule's code and kebab-case name both identify it everywhere (selection, suppressions,
`shapelint rule`). Codes are grouped by hundreds as in the team conventions:
0xx tool/meta, 1xx merging, 2xx inputs and layer arguments, 3xx recurrent,
4xx reshape/spatial, 5xx weight sharing and parameters, 6xx model vs data and loss.
"""
from __future__ import annotations

from dataclasses import dataclass

from shapelint.violations import Violation, all_classes

ERROR = "error"      # Keras will raise
WARNING = "warning"  # very likely a bug, Keras stays silent

DOCS_URL = "https://github.com/shapelint/shapelint/blob/main/rules/{code}.md"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def violations(self) -> tuple[type[Violation], ...]:
        """The violation classes (one per variant) whose findings this rule reports."""
        return tuple(cls for cls in all_classes() if cls.code == self.code)


RULES: tuple[Rule, ...] = (
    Rule("SHP001", "syntax-error", ERROR, "The file is not valid Python, so it cannot be analysed."),
    Rule("SHP002", "unreadable-file", ERROR, "The file cannot be read or decoded."),
    Rule("SHP003", "unused-suppression", WARNING,
         "A `# shapelint: ignore[...]` or `# noqa: SHP...` comment that silences no finding, "
         "or names no rule."),
    Rule("SHP101", "concatenate-shape-mismatch", ERROR,
         "Concatenate inputs differ in rank or off the concatenation axis."),
    Rule("SHP102", "elementwise-shape-mismatch", ERROR,
         "Add/Subtract/Multiply/Average/Maximum/Minimum inputs whose shapes do not broadcast."),
    Rule("SHP103", "dot-axes-mismatch", ERROR, "Dot inputs whose contracted axes differ in size."),
    Rule("SHP104", "matmul-shape-mismatch", ERROR,
         "matmul/@/einsum/tensordot operands whose contracted (or batch) sizes differ."),
    Rule("SHP105", "split-size-mismatch", ERROR,
         "A split or unstack whose sizes do not fit the size of the split axis."),
    Rule("SHP201", "input-rank-mismatch", ERROR, "A layer receives an input of a rank it cannot take."),
    Rule("SHP202", "int-shape-argument", ERROR,
         "An int is passed where Keras 3 requires a shape tuple, e.g. Input(shape=(5)) instead of (5,)."),
    Rule("SHP203", "incompatible-input-dim", ERROR,
         "A layer whose weights were built for one input size is called on another, or is "
         "built on an input whose size there is None."),
    Rule("SHP204", "strides-with-dilation", ERROR,
         "A convolution sets strides > 1 together with dilation_rate > 1, which Keras rejects."),
    Rule("SHP205", "invalid-layer-argument", ERROR,
         "A layer argument Keras rejects, alone or with its input (groups not dividing the channels, "
         "an axis out of range, dims that are not a permutation)."),
    Rule("SHP206", "invalid-axis", ERROR,
         "An op's axis that does not fit its input's rank (out of range, not a permutation, "
         "squeezing a size other than 1)."),
    Rule("SHP207", "tensorflow-op-on-keras-tensor", ERROR,
         "A TensorFlow op is given a Keras 3 symbolic tensor outside a layer's call() or a Lambda; "
         "Keras 3 raises (Keras 2 wrapped it in a layer)."),
    Rule("SHP208", "duplicate-layer-name", ERROR,
         "Two layers of one model share a name= (a named layer made by a helper called twice); "
         "Keras 3 raises."),
    Rule("SHP301", "missing-return-sequences", ERROR,
         "A recurrent layer is fed the 2-D/4-D output of a recurrent layer without return_sequences=True."),
    Rule("SHP401", "reshape-size-mismatch", ERROR,
         "A Reshape whose target size cannot equal the size of its input."),
    Rule("SHP402", "non-positive-output-size", ERROR,
         "A convolution or pooling whose output would have a zero or negative size."),
    Rule("SHP501", "layer-recreated-per-call", WARNING,
         "A helper or loop builds new layers on every call, so branches meant to share weights do not."),
    Rule("SHP502", "untracked-layer", WARNING,
         "A layer with weights is created inside call() or a Lambda, where Keras 3 never tracks or "
         "trains it."),
    Rule("SHP503", "parameter-hot-spot", WARNING,
         "One layer holds most of a large model's parameters only to reach the size a Reshape needs."),
    Rule("SHP601", "data-shape-mismatch", ERROR,
         "Features given to fit/evaluate/predict (or to the model) whose shape does not fit the model "
         "input."),
    Rule("SHP602", "labels-loss-mismatch", ERROR,
         "Labels the compiled loss cannot take for the model's output (one-hot vs class ids, "
         "other widths, strings)."),
    Rule("SHP603", "sample-count-mismatch", ERROR,
         "Features and labels with different numbers of samples."),
    Rule("SHP604", "input-shape-includes-samples", ERROR,
         "An input shape taken from a whole data array (X.shape), sample axis included."),
    Rule("SHP605", "output-cannot-learn", WARNING,
         "An output layer and loss that train without an error but cannot learn (a 1-unit softmax, "
         "a categorical loss on one unit, an activation applied twice)."),
    Rule("SHP901", "build-error", ERROR,
         "Building the model with TensorFlow (`check --validate`) raised an error no static finding covers."),
)

BY_CODE = {r.code: r for r in RULES}
BY_NAME = {r.name: r for r in RULES}


def closest(code_or_name: str) -> str | None:
    """The rule code or name most like a misspelt one (for did-you-mean hints)."""
    import difflib

    key = code_or_name.strip()
    key = key.upper() if key[:3].upper() == "SHP" else key.lower()
    close = difflib.get_close_matches(key, [r.code for r in RULES] + [r.name for r in RULES], n=1)
    return close[0] if close else None


def lookup(code_or_name: str) -> Rule | None:
    """Find a rule by code (`SHP101`) or kebab-case name (`concatenate-shape-mismatch`)."""
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())
