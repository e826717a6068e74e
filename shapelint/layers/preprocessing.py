"""Preprocessing layers: image resizing/cropping, rescaling, normalization, encodings,
lookups and text vectorization, the image augmentation layers, Pipeline.

Output shapes follow each layer's ``compute_output_shape`` in
``keras.src.layers.preprocessing``. Layers that need a vocabulary or data to know their
output size give an unknown size there, never a guess.
"""
from __future__ import annotations

from math import ceil, log2
from typing import Any

from shapelint.arguments import is_int
from shapelint.interp.values import is_fully_known
from shapelint.layers import engine
from shapelint.layers.common import (
    axis_size,
    check_choice,
    checks,
    data_format,
    dims,
    number,
    same,
)
from shapelint.layers.spec import Arguments, Counts, LayerSpec, Unknowable, Weights, opaque
from shapelint.shapes import Dim, Shape, is_known
from shapelint.violations.arguments import (
    AxisArgumentOutOfRange,
    CrossingShapesDiffer,
    IntModeOnly,
    MeanWithoutVariance,
    MutuallyExclusive,
    Negative,
    NotAChoice,
    NotGreaterThanOne,
    NotPositive,
    NotRGB,
    OneOfRequired,
    RequiredWith,
    VocabularyTooLarge,
    WrongInputCount,
)
from shapelint.violations.base import Rejected
from shapelint.violations.inputs import InputRankMismatch

# --- images -----------------------------------------------------------------------------------

def resizing(cfg: Arguments, x: Shape) -> Shape:
    """``Resizing.compute_output_shape``: a 4-D input is a batch, anything else one image."""
    d = list(dims(x))
    h, w = cfg.int("height"), cfg.int("width")
    first = data_format(cfg) == "channels_first"
    hi, wi = ((2, 3) if first else (1, 2)) if len(d) == 4 else ((1, 2) if first else (0, 1))
    if max(hi, wi) >= len(d):
        raise Rejected(InputRankMismatch(expected=(3, 4), min_rank=0, got=x, layer="Resizing",
                                         family="image"))
    d[hi], d[wi] = h, w
    return Shape(tuple(d))


def center_crop(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    if len(d) not in (3, 4):
        raise Rejected(InputRankMismatch(expected=(3, 4), min_rank=0, got=x, layer="CenterCrop",
                                         family="image"))
    return resizing(cfg, x)


def random_crop(cfg: Arguments, x: Shape) -> Shape:
    d = list(dims(x))
    h, w = cfg.int("height"), cfg.int("width")
    hi, wi = (-2, -1) if data_format(cfg) == "channels_first" else (-3, -2)
    if len(d) < -hi:
        raise Rejected(InputRankMismatch(expected=(3, 4), min_rank=0, got=x, layer="RandomCrop",
                                         family="image"))
    d[hi], d[wi] = h, w
    return Shape(tuple(d))


def color_degeneration(cfg: Arguments, x: Shape) -> Shape:
    """RandomColorDegeneration blends with grayscale: it needs 3 channels (when known)."""
    d = dims(x)
    if len(d) not in (3, 4):
        raise Rejected(InputRankMismatch(expected=(3, 4), min_rank=0, got=x, layer="RandomColorDegeneration",
                                         family="image"))
    ch = (1 if len(d) == 4 else 0) if data_format(cfg) == "channels_first" else -1
    if is_known(d[ch]) and d[ch] != 3:
        raise Rejected(NotRGB(argument="inputs", value=None, shape=x, channels=d[ch]))
    return x


# --- Normalization ----------------------------------------------------------------------------

def _norm_axes(cfg: Arguments) -> tuple[int, ...]:
    v = cfg.known("axis")
    if v is None:
        return ()
    if is_int(v):
        return (v,)
    if isinstance(v, (tuple, list)) and all(is_int(a) for a in v):
        return tuple(v)
    raise Unknowable("axis")


def _check_normalization(cfg: Arguments) -> None:
    mean, var = cfg.raw("mean"), cfg.raw("variance")
    if is_fully_known(mean) and is_fully_known(var) and (mean is None) != (var is None):
        raise Rejected(MeanWithoutVariance(argument="mean", value=mean))


def normalization(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    for a in _norm_axes(cfg):
        if a < -len(d) or a >= len(d):
            raise Rejected(AxisArgumentOutOfRange(argument="axis", value=cfg.raw("axis"), shape=x))
    return x    # mean/variance (numbers or arrays) are broadcast over the input: its shape stays


def normalization_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """mean, variance and a count, all non-trainable (the state ``adapt()`` fills)."""
    if cfg.raw("mean") is not None or cfg.raw("variance") is not None:
        raise Unknowable("mean")
    size = 1 if cfg.raw("axis") is None else axis_size(cfg, x)
    return 0, 2 * size + 1


# --- encodings ----------------------------------------------------------------------------------

def category_encoding(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    n = cfg.int("num_tokens")
    mode = cfg.known("output_mode")
    if mode == "binary":
        mode = "multi_hot"
    if len(d) == 0:
        return Shape((n,))
    if mode == "one_hot":
        if d[-1] is None:
            return Shape(d + (n,))    # Keras: None != 1
        if not is_known(d[-1]):
            raise Unknowable("last axis")
        if d[-1] != 1 or len(d) == 1:
            return Shape(d + (n,))
        return Shape(d[:-1] + (n,))
    if mode in ("multi_hot", "count"):
        return Shape(d[:-1] + (n,))
    raise Unknowable("output_mode")


def _check_category_encoding(cfg: Arguments) -> None:
    mode = cfg.raw("output_mode")
    if isinstance(mode, str) and mode not in ("count", "one_hot", "multi_hot", "binary"):
        raise Rejected(NotAChoice(argument="output_mode", value=mode,
                                  choices=("count", "one_hot", "multi_hot")))
    n = cfg.raw("num_tokens")
    if (cfg.given("num_tokens") and n is None) or (number(n) and n < 1):
        raise Rejected(NotPositive(argument="num_tokens", value=n))


def discretization(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    mode = cfg.known("output_mode")
    if mode == "int":
        return x
    bounds = cfg.known("bin_boundaries")
    if bounds is not None:
        if not isinstance(bounds, (tuple, list)):
            raise Unknowable("bin_boundaries")
        depth = len(bounds) + 1
    else:
        depth = cfg.int("num_bins")
    if mode == "one_hot":
        if d and len(d) > 1 and d[-1] == 1:
            return Shape(d[:-1] + (depth,))
        if d and len(d) > 1 and not is_known(d[-1]) and d[-1] is not None:
            raise Unknowable("last axis")
        return Shape(d + (depth,))
    if mode in ("multi_hot", "count"):
        if len(d) >= 2:
            return Shape((d[0],) + d[2:] + (depth,))
        return Shape((depth,))
    raise Unknowable("output_mode")


def _check_discretization(cfg: Arguments) -> None:
    check_choice(cfg, "output_mode", ("int", "one_hot", "multi_hot", "count"))
    nb, bb = cfg.raw("num_bins"), cfg.raw("bin_boundaries")
    if not (is_fully_known(nb) and is_fully_known(bb)):
        return
    if number(nb) and nb < 0:
        raise Rejected(Negative(argument="num_bins", value=nb))
    if nb is not None and bb is not None:
        raise Rejected(MutuallyExclusive(argument="num_bins", value=nb, other="bin_boundaries"))
    if nb is None and bb is None:
        raise Rejected(OneOfRequired(argument="num_bins", value=None, other="bin_boundaries"))


def hashing(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    mode = cfg.known("output_mode")
    if mode == "int":
        return x
    n = cfg.int("num_bins")
    if mode not in ("one_hot", "multi_hot", "count"):
        raise Unknowable("output_mode")
    if len(d) == 0:
        return Shape((n,))
    return Shape(d[:-1] + (n,))


def _check_hashing(cfg: Arguments) -> None:
    n = cfg.raw("num_bins")
    if is_fully_known(n) and (n is None or (number(n) and n <= 0)):
        raise Rejected(NotPositive(argument="num_bins", value=n))
    check_choice(cfg, "output_mode", ("int", "one_hot", "multi_hot", "count"))


def hashed_crossing(cfg: Arguments, xs: list[Shape]) -> Shape:
    if len(xs) != 2:
        raise Rejected(WrongInputCount(argument="inputs", value=len(xs), count=2))
    a, b = dims(xs[0]), dims(xs[1])
    if not a or not b:
        raise Unknowable("rank")
    if a[-1] != b[-1] and is_known(a[-1]) and is_known(b[-1]):
        raise Rejected(CrossingShapesDiffer(argument="inputs", value=None, shape=xs[0], other=xs[1]))
    if not (is_known(a[-1]) and is_known(b[-1])) and a[-1] != b[-1]:
        raise Unknowable("last axis")
    mode = cfg.known("output_mode")
    if mode == "int":
        return xs[0]
    n = cfg.int("num_bins")
    if mode == "one_hot" and a[-1] != 1:
        return Shape(a + (n,))
    return Shape(a[:-1] + (n,))


# --- lookups and text ---------------------------------------------------------------------------

_NON_INT = ("one_hot", "multi_hot", "count", "tf_idf")
# IndexLookup and TextVectorization still take the old names of two modes and rename them
# before validating (``output_mode == "binary"`` becomes ``"multi_hot"``).
_RENAMED_MODES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def _lookup_mode(cfg: Arguments) -> Any:
    """A lookup's or TextVectorization's ``output_mode`` as Keras uses it."""
    mode = cfg.known("output_mode")
    return _RENAMED_MODES.get(mode, mode) if isinstance(mode, str) else mode


def _vocab_size(cfg: Arguments, mode: Any, text: bool = False) -> int:
    """``IndexLookup`` vocabulary size for a literal vocabulary: the OOV indices (and in int
    mode the mask index) come first. Unknowable for files, tensors or special tokens inside."""
    vocab = cfg.known("vocabulary")
    if not isinstance(vocab, (tuple, list)) or not vocab:
        raise Unknowable("vocabulary")
    mask = "" if text else cfg.known("mask_token")
    oov_token = "[UNK]" if text else cfg.known("oov_token")
    oov = 1 if text else cfg.int("num_oov_indices")
    if len(set(vocab)) != len(vocab) or mask in vocab or oov_token in vocab:
        raise Unknowable("vocabulary")
    return (1 if mask is not None and mode == "int" else 0) + oov + len(vocab)


def _check_lookup_mode(cfg: Arguments) -> None:
    try:
        mode = _lookup_mode(cfg)
    except Unknowable:
        return
    if isinstance(mode, (str, type(None), bool)) and mode not in ("int",) + _NON_INT:
        raise Rejected(NotAChoice(argument="output_mode", value=cfg.raw("output_mode"),
                                  choices=("int",) + _NON_INT))


def _check_lookup_args(cfg: Arguments, text: bool = False) -> None:
    _check_lookup_mode(cfg)
    m = cfg.raw("max_tokens")
    if is_int(m) and m <= 1:
        raise Rejected(NotGreaterThanOne(argument="max_tokens", value=m))
    if cfg.bool("pad_to_max_tokens") and cfg.known("max_tokens") is None:
        raise Rejected(RequiredWith(argument="max_tokens", value=None, other="pad_to_max_tokens=True"))
    if _lookup_mode(cfg) == "tf_idf" and cfg.known("vocabulary") is not None \
            and cfg.raw("idf_weights") is None:
        raise Rejected(RequiredWith(argument="idf_weights", value=None,
                                    other="output_mode='tf_idf' with a vocabulary"))
    if not text:
        n = cfg.raw("num_oov_indices")
        if is_int(n) and n < 0:
            raise Rejected(Negative(argument="num_oov_indices", value=n))
    if is_int(m):
        size = _vocab_size(cfg, _lookup_mode(cfg), text)
        if size > m:
            raise Rejected(VocabularyTooLarge(argument="max_tokens", value=m, size=size))


def _check_text_vectorization(cfg: Arguments) -> None:
    mode = _lookup_mode(cfg)
    if mode != "int" and cfg.known("output_sequence_length") is not None:
        raise Rejected(IntModeOnly(argument="output_sequence_length", value=cfg.raw("output_sequence_length"),
                                   mode=mode))
    _check_lookup_args(cfg, text=True)


def _lookup_output(cfg: Arguments, d: tuple[Dim, ...], mode: Any, text: bool = False) -> Shape:
    if mode == "int":
        return Shape(d)
    if mode not in _NON_INT:
        raise Unknowable("output_mode")
    if cfg.bool("pad_to_max_tokens"):
        depth: Any = cfg.int("max_tokens")
    else:
        try:
            depth = _vocab_size(cfg, mode, text)
        except Unknowable:
            if cfg.raw("vocabulary") is not None:
                raise
            depth = None      # no vocabulary yet (adapt() later): Keras says None too
    if mode == "one_hot":
        if len(d) > 1 and d[-1] == 1:
            return Shape(d[:-1] + (depth,))
        if len(d) > 1 and not is_known(d[-1]) and d[-1] is not None:
            raise Unknowable("last axis")
        return Shape(d + (depth,))
    return Shape(d[:-1] + (depth,))


def lookup(cfg: Arguments, x: Shape) -> Shape:
    return _lookup_output(cfg, dims(x), _lookup_mode(cfg))


def text_vectorization(cfg: Arguments, x: Shape) -> Shape:
    d = dims(x)
    mode = _lookup_mode(cfg)
    if mode == "int":
        length = cfg.known("output_sequence_length")
        if not (length is None or is_int(length)):
            raise Unknowable("output_sequence_length")
        return Shape((d[0] if d else None, length))
    if cfg.known("split") is None:
        if len(d) <= 1:
            d = d + (1,)
    else:
        d = d + (None,)
    return _lookup_output(cfg, d, mode, text=True)


# --- Pipeline -----------------------------------------------------------------------------------

def pipeline(cfg: Arguments, x: Shape) -> Shape:
    layers = cfg.known("layers")
    if not isinstance(layers, (tuple, list)) or not layers:
        raise Unknowable("layers")
    out: Any = x
    for layer in layers:
        if getattr(layer, "spec", None) is None or layer.spec.takes != "one" or layer.spec.call_params:
            raise Unknowable("layer")
        if layer.spec.family == "image" and (out.rank not in (3, 4)):
            # Pipeline runs its layers' call(), where image layers need a 3-D or 4-D image.
            raise Unknowable("image rank")
        out = engine.infer_output(layer, out)
        if isinstance(out, tuple) or out.dims is None:
            raise Unknowable("output")
    # Keras traces Pipeline.call(): the layers' call() ops keep the rank but not every size
    # their compute_output_shape knows. The checks above still apply.
    return Shape.unknown(out.rank)


# --- audio ------------------------------------------------------------------------------------

def stft_weights(cfg: Arguments, x: Any, call: dict[str, Any]) -> Counts:
    """A real and an imaginary kernel (frame_length, 1, fft_length // 2 + 1); one of them
    in ``mode="real"`` or ``"imag"``. Trainable, as every Keras weight by default."""
    frame = cfg.int("frame_length")
    if frame < 1:
        raise Unknowable("frame_length")
    fft = cfg.opt_int("fft_length") or 2 ** ceil(log2(frame))
    kernels = 1 if cfg.str("mode") in ("real", "imag") else 2
    return kernels * frame * (fft // 2 + 1), 0


# --- the table ----------------------------------------------------------------------------------

# Augmentation and color layers whose output is their input's shape (training or not).
IMAGE_SAME = (
    "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
    "Equalization", "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomBrightness",
    "RandomColorJitter", "RandomContrast", "RandomElasticTransform", "RandomErasing",
    "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
    "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation",
    "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom", "Solarization",
)

_NONE = Weights.NONE
_IMAGE: dict[str, Any] = dict(family="image", weights=_NONE)
_PREPROCESSING: dict[str, Any] = dict(family="preprocessing", weights=_NONE)
_LOOKUP_PARAMS = ("max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary")
_LOOKUP_DEFAULTS = {"output_mode": "int", "pad_to_max_tokens": False, "max_tokens": None,
                    "num_oov_indices": 1, "mask_token": None, "vocabulary": None}

SPECS = [
    LayerSpec("Rescaling", ("scale", "offset"), {}, same, **_PREPROCESSING),
    LayerSpec("Resizing", ("height", "width", "interpolation", "crop_to_aspect_ratio",
                           "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias",
                           "data_format"), {"data_format": None}, resizing, **_IMAGE),
    LayerSpec("CenterCrop", ("height", "width", "data_format"), {"data_format": None},
              center_crop, ranks=(3, 4), **_IMAGE),
    LayerSpec("RandomCrop", ("height", "width", "seed", "data_format"), {"data_format": None},
              random_crop, **_IMAGE),
    LayerSpec("RandomColorDegeneration", ("factor", "value_range", "data_format", "seed"),
              {"data_format": None}, color_degeneration, ranks=(3, 4), **_IMAGE),
    *(LayerSpec(name, (), {}, same, **_IMAGE) for name in IMAGE_SAME),
    LayerSpec("Normalization", ("axis", "mean", "variance", "invert"),
              {"axis": -1, "mean": None, "variance": None}, normalization,
              family="preprocessing", check=checks(_check_normalization),
              weights=normalization_weights),
    LayerSpec("CategoryEncoding", ("num_tokens", "output_mode", "sparse"),
              {"num_tokens": None, "output_mode": "multi_hot"}, category_encoding,
              check=checks(_check_category_encoding), **_PREPROCESSING),
    LayerSpec("Discretization", ("bin_boundaries", "num_bins", "epsilon", "output_mode"),
              {"bin_boundaries": None, "num_bins": None, "output_mode": "int"}, discretization,
              check=checks(_check_discretization), **_PREPROCESSING),
    LayerSpec("Hashing", ("num_bins", "mask_value", "salt", "output_mode"),
              {"output_mode": "int"}, hashing, check=checks(_check_hashing), **_PREPROCESSING),
    LayerSpec("HashedCrossing", ("num_bins", "output_mode", "sparse"), {"output_mode": "int"},
              hashed_crossing, takes="list", **_PREPROCESSING),
    # Lookup tables and vocabularies are state outside the weights.
    LayerSpec("StringLookup", _LOOKUP_PARAMS, {**_LOOKUP_DEFAULTS, "oov_token": "[UNK]"}, lookup,
              check=checks(_check_lookup_args), **_PREPROCESSING),
    LayerSpec("IntegerLookup", _LOOKUP_PARAMS, {**_LOOKUP_DEFAULTS, "oov_token": -1}, lookup,
              check=checks(_check_lookup_args), **_PREPROCESSING),
    LayerSpec("TextVectorization", ("max_tokens", "standardize", "split", "ngrams", "output_mode",
                                    "output_sequence_length", "pad_to_max_tokens", "vocabulary"),
              {**_LOOKUP_DEFAULTS, "split": "whitespace", "output_sequence_length": None},
              text_vectorization, check=checks(_check_text_vectorization), **_PREPROCESSING),
    # Its layers' weights, made where they were constructed: counted in accounting.params.
    LayerSpec("Pipeline", ("layers",), {}, pipeline, family="preprocessing",
              weights=Weights.SHARES),
    # Spectrograms: the output length depends on frame/hop arithmetic per mode and padding.
    LayerSpec("MelSpectrogram", ("fft_length", "sequence_stride", "sequence_length"), {},
              opaque, family="audio", opaque=True, weights=_NONE),
    LayerSpec("STFTSpectrogram", ("mode", "frame_length", "frame_step", "fft_length"),
              {"mode": "log", "frame_length": 256, "fft_length": None}, opaque, family="audio",
              opaque=True, weights=stft_weights),
]
