"""The corpus: released Keras model code, fetched at run time into the work dir, and how to
build the models each package defines.

- ``keras-applications``: ``keras/src/applications/*.py`` of the installed keras, copied;
  each exported model function (``ResNet50``...) is called with ``weights=None`` (all of
  them by default: sizes that differ between them, such as EfficientNetV2S's block
  configuration, decide whether a mutant of a shared line builds).
- ``keras-hub`` and ``keras-unet-collection``: ``pip download --no-deps`` of a pinned
  version, unpacked; their import-time dependencies go to ``<work>/deps`` with
  ``pip install --target`` (appended to the worker's sys.path, so the environment's own
  packages win). Models are built from small configs (the table below).

Evaluated and left out: segmentation-models 1.0.1 (needs keras-applications and
efficientnet 1.0.0, Keras 2 only); keras-cv 0.9 (its models moved to keras-hub).
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """A way to build models: an expression evaluated in a module's namespace."""

    module: str
    call: str


@dataclass
class Package:
    name: str
    version: str
    root: Path  # what the files' paths are shown relative to
    files: dict[str, Path]  # module name -> file (mutation targets)
    entries: list[Entry]
    sys_path: list[str] = field(default_factory=list)  # put first in the worker
    sys_path_last: list[str] = field(default_factory=list)  # appended (dependencies)
    warm: list[str] = field(default_factory=list)  # imported before a job
    import_root: Path | None = None  # where its top-level package lives (default: root)

    def __post_init__(self) -> None:
        if self.import_root is None:
            self.import_root = self.root

    def module_of(self, path: Path) -> str:
        return next(m for m, p in self.files.items() if p == path)


KERAS_HUB_VERSION = "0.32.0"
UNET_COLLECTION_VERSION = "0.1.13"

# keras-hub backbones: model directory -> constructor calls with small configs.
_IMG = "image_shape=(32, 32, 3)"
KERAS_HUB_BACKBONES: dict[str, list[str]] = {
    "resnet": [  # keras-hub requires 64 filters in the first stack
        "ResNetBackbone(input_conv_filters=[64], input_conv_kernel_sizes=[3], "
        "stackwise_num_filters=[64, 32, 32], stackwise_num_blocks=[2, 2, 2], "
        f"stackwise_num_strides=[1, 2, 2], block_type='basic_block', {_IMG})",
        "ResNetBackbone(input_conv_filters=[16, 64], input_conv_kernel_sizes=[3, 3], "
        "stackwise_num_filters=[64, 16], stackwise_num_blocks=[2, 2], stackwise_num_strides=[1, 2], "
        f"block_type='bottleneck_block', use_pre_activation=True, {_IMG})",
        "ResNetBackbone(input_conv_filters=[16, 64], input_conv_kernel_sizes=[3, 3], "
        "stackwise_num_filters=[64, 16], stackwise_num_blocks=[2, 2], stackwise_num_strides=[1, 2], "
        f"block_type='bottleneck_block_vd', {_IMG})",
    ],
    "vgg": [f"VGGBackbone(stackwise_num_repeats=[2, 2], stackwise_num_filters=[8, 16], {_IMG})"],
    "densenet": [f"DenseNetBackbone(stackwise_num_repeats=[2, 2], growth_rate=8, {_IMG})"],
    "vit": [
        "ViTBackbone(image_shape=(32, 32, 3), patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, "
        "mlp_dim=32)"
    ],
    "xception": [
        f"XceptionBackbone(stackwise_conv_filters=[[8, 16], [16, 32], [32, 32]], "
        f"stackwise_pooling=[True, True, False], {_IMG})"
    ],
    "mit": [
        "MiTBackbone(layerwise_depths=[1, 1], num_layers=2, layerwise_num_heads=[1, 2], "
        "layerwise_sr_ratios=[2, 1], max_drop_path_rate=0.1, layerwise_patch_sizes=[7, 3], "
        f"layerwise_strides=[4, 2], {_IMG}, hidden_dims=[8, 16])"
    ],
    "bert": [
        "BertBackbone(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32, "
        "max_sequence_length=16)"
    ],
    "distil_bert": [
        "DistilBertBackbone(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, "
        "intermediate_dim=32, max_sequence_length=16)"
    ],
}
KERAS_HUB_SHARED_DIRS = ("layers/modeling",)  # layers the backbones call (transformer blocks)
KERAS_HUB_DEPS = ["regex", "kagglehub", "kagglesdk==0.1.28", "sentencepiece", "tokenizers"]

# keras-unet-collection builders: module -> calls (small 64x64 images, 3 levels).
UNET_BUILDERS: dict[str, list[str]] = {
    "_model_unet_2d": ["unet_2d((64, 64, 3), [16, 32, 64], n_labels=2)"],
    # vnet_2d raises in Keras 3 when the filter counts grow ([16, 32, 64]: an Add of 64 and
    # 32 channels), so it is built with equal counts.
    "_model_vnet_2d": ["vnet_2d((64, 64, 3), [16, 16, 16], n_labels=2)"],
    "_model_unet_plus_2d": ["unet_plus_2d((64, 64, 3), [16, 32, 64], n_labels=2)"],
    "_model_r2_unet_2d": ["r2_unet_2d((64, 64, 3), [16, 32, 64], n_labels=2)"],
    "_model_att_unet_2d": ["att_unet_2d((64, 64, 3), [16, 32, 64], n_labels=2)"],
    "_model_u2net_2d": ["u2net_2d((64, 64, 3), n_labels=2, filter_num_down=[16, 32, 64])"],
    "_model_unet_3plus_2d": ["unet_3plus_2d((64, 64, 3), n_labels=2, filter_num_down=[16, 32, 64])"],
    "_model_resunet_a_2d": ["resunet_a_2d((64, 64, 3), [16, 32, 64], dilation_num=[1, 3], n_labels=2)"],
    "_model_transunet_2d": [
        "transunet_2d((64, 64, 3), [16, 32, 64], n_labels=2, embed_dim=32, num_mlp=64, "
        "num_heads=2, num_transformer=2)"
    ],
}
UNET_DEPS = ["pillow"]

PACKAGES = ("keras-applications", "keras-hub", "keras-unet-collection")


def exported_model_functions(source: str) -> list[str]:
    """Functions decorated with keras_export that take ``weights``: the application models."""
    out = []
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.FunctionDef)
            and any("keras_export" in ast.unparse(d) for d in node.decorator_list)
            and "weights" in [a.arg for a in node.args.args + node.args.kwonlyargs]
        ):
            out.append(node.name)
    return out


def keras_applications(work: Path, max_entries: int | None) -> Package:
    version = importlib.metadata.version("keras")
    spec = importlib.util.find_spec("keras")
    src = Path(spec.origin).parent / "src" / "applications"
    # Copied as a package (keras/src/applications/ with empty parent __init__.py files), so
    # that shapelint finds the sibling module imagenet_utils the way it would in site-packages.
    root = work / f"keras-{version}"
    dest = root / "keras" / "src" / "applications"
    dest.mkdir(parents=True, exist_ok=True)
    for package in (root / "keras", root / "keras" / "src"):
        (package / "__init__.py").touch()
    for helper in ("__init__.py", "imagenet_utils.py"):
        shutil.copyfile(src / helper, dest / helper)
    files, entries = {}, []
    for f in sorted(src.glob("*.py")):
        if f.name.endswith("_test.py") or f.name in ("__init__.py", "imagenet_utils.py"):
            continue
        copy = dest / f.name
        shutil.copyfile(f, copy)
        module = f"keras.src.applications.{f.stem}"
        files[module] = copy
        for fn in exported_model_functions(copy.read_text())[:max_entries]:
            entries.append(Entry(module, f"{fn}(weights=None)"))
    return Package(
        "keras-applications",
        version,
        dest,
        files,
        entries,
        warm=["keras.src.applications.imagenet_utils"],
        import_root=root,
    )


def run_pip(args: list[str]) -> None:
    """pip, quiet unless it fails."""
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def pip_download(name: str, version: str, work: Path) -> Path:
    """The unpacked wheel of name==version (downloaded once into the work dir)."""
    unpacked = work / f"{name}-{version}"
    if (unpacked / ".complete").exists():
        return unpacked
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    run_pip(
        ["download", "--no-deps", "--only-binary", ":all:", "-q", "-d", str(downloads), f"{name}=={version}"]
    )
    dist = name.replace("-", "_")
    wheel = next(downloads.glob(f"{dist}-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(unpacked)
    (unpacked / ".complete").touch()
    return unpacked


def install_deps(requirements: list[str], work: Path) -> str:
    """Install import-time dependencies into <work>/deps (once) and return that path."""
    deps = work / "deps"
    marker = deps / (".done-" + "-".join(r.replace("=", "") for r in requirements))
    if not marker.exists():
        run_pip(["install", "-q", "--target", str(deps), *requirements])
        marker.touch()
    return str(deps)


def keras_hub(work: Path) -> Package:
    root = pip_download("keras-hub", KERAS_HUB_VERSION, work)
    deps = install_deps(KERAS_HUB_DEPS, work)
    src = root / "keras_hub" / "src"
    files, entries = {}, []
    dirs = [src / "models" / d for d in KERAS_HUB_BACKBONES] + [src / d for d in KERAS_HUB_SHARED_DIRS]
    for d in dirs:
        for f in sorted(d.glob("*.py")):
            if f.name == "__init__.py" or f.name.endswith(("_presets.py", "_test.py")):
                continue
            files[".".join(f.relative_to(root).with_suffix("").parts)] = f
    for d, calls in KERAS_HUB_BACKBONES.items():
        module = f"keras_hub.src.models.{d}.{d}_backbone"
        entries += [Entry(module, c) for c in calls]
    return Package(
        "keras-hub",
        KERAS_HUB_VERSION,
        root,
        files,
        entries,
        sys_path=[str(root)],
        sys_path_last=[deps],
        warm=["keras_hub"],
    )


def keras_unet_collection(work: Path) -> Package:
    root = pip_download("keras-unet-collection", UNET_COLLECTION_VERSION, work)
    deps = install_deps(UNET_DEPS, work)
    pkg = root / "keras_unet_collection"
    files = {
        f"keras_unet_collection.{f.stem}": f for f in sorted(pkg.glob("*.py")) if f.name != "__init__.py"
    }
    entries = [Entry(f"keras_unet_collection.{m}", c) for m, calls in UNET_BUILDERS.items() for c in calls]
    return Package(
        "keras-unet-collection",
        UNET_COLLECTION_VERSION,
        root,
        files,
        entries,
        sys_path=[str(root)],
        sys_path_last=[deps],
        warm=["keras_unet_collection.models"],
    )


def fetch(work: Path, names: list[str], max_app_entries: int | None = None) -> list[Package]:
    makers = {
        "keras-applications": lambda: keras_applications(work, max_app_entries),
        "keras-hub": lambda: keras_hub(work),
        "keras-unet-collection": lambda: keras_unet_collection(work),
    }
    return [makers[n]() for n in names]
