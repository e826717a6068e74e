"""What the build program leaves out: calls that train, evaluate, predict, save, load data,
touch files or the network, or plot, and modules imported only for such work (the data
calls among them get zero-filled stand-ins, :mod:`shapelint.validation.feeds`).

Names are matched on the dotted path a call resolves to through the file's imports
(``plt.show`` -> ``matplotlib.pyplot.show``) and on the method name for any receiver
(``model.fit``), so a model variable named anything is still recognised.
"""
from __future__ import annotations

from shapelint.resolution import canonical

# Methods that run, persist, or print a model or read data, whatever they are called on.
METHODS: dict[str, str] = {
    **dict.fromkeys(("fit", "fit_generator", "train_on_batch", "train_step"), "training"),
    **dict.fromkeys(("evaluate", "evaluate_generator", "test_on_batch"), "evaluation"),
    **dict.fromkeys(("predict", "predict_generator", "predict_on_batch", "predict_step"), "prediction"),
    **dict.fromkeys(("save", "save_weights", "save_model", "export", "savefig", "to_csv",
                     "to_pickle", "to_parquet", "to_excel", "write", "write_text", "write_bytes",
                     "dump", "imsave", "imwrite", "mkdir", "makedirs", "unlink", "rmtree",
                     "extractall", "touch"), "writing files"),
    **dict.fromkeys(("load", "safe_load", "load_weights", "load_model", "load_data", "load_dataset",
                     "load_img", "read_csv", "read_excel", "read_json", "read_parquet", "read_pickle",
                     "read_table", "read_sql", "read_feather", "read_hdf", "read_text", "read_bytes",
                     "loadtxt", "genfromtxt", "fromfile", "imread", "flow_from_directory",
                     "flow_from_dataframe", "image_dataset_from_directory",
                     "text_dataset_from_directory", "audio_dataset_from_directory",
                     "timeseries_dataset_from_array"), "loading data"),
    **dict.fromkeys(("download", "get_file", "urlretrieve", "urlopen", "mount"), "network access"),
    **dict.fromkeys(("summary", "plot_model", "show", "imshow", "plot"), "output"),
}

# Methods that set a model up for training without changing what it computes: the build keeps
# them as written (the calls standing in for fit and evaluate need a compiled model), and
# one it has to leave out leaves the model as it was, uncompiled, never dead.
PREPARES: frozenset[str] = frozenset({"compile"})

# Builtins with effects outside the model.
BUILTINS: dict[str, str] = {
    "print": "output", "open": "file access", "input": "reading input", "exec": "dynamic code",
    "eval": "dynamic code", "breakpoint": "debugging", "exit": "exiting", "quit": "exiting",
    "help": "output",
}

# Dotted-path prefixes (after import resolution) of calls with outside effects.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("keras.datasets", "loading data"), ("keras.utils.get_file", "network access"),
    ("keras.utils.plot_model", "output"), ("keras.callbacks", "training"),
    ("tensorflow.data", "loading data"), ("tensorflow.io", "file access"),
    ("tensorflow.summary", "writing files"), ("tensorflow.saved_model", "writing files"),
    ("tensorflow.print", "output"), ("numpy.save", "writing files"), ("numpy.savez", "writing files"),
    ("numpy.savez_compressed", "writing files"), ("numpy.savetxt", "writing files"),
    ("numpy.load", "loading data"), ("numpy.loadtxt", "loading data"),
    ("numpy.genfromtxt", "loading data"), ("numpy.fromfile", "loading data"),
    ("json.load", "loading data"), ("json.dump", "writing files"), ("pickle", "file access"),
    ("os.system", "running commands"), ("os.popen", "running commands"), ("os.remove", "writing files"),
    ("os.unlink", "writing files"), ("os.rename", "writing files"), ("os.replace", "writing files"),
    ("os.mkdir", "writing files"), ("os.makedirs", "writing files"), ("os.rmdir", "writing files"),
    ("os.listdir", "file access"), ("os.walk", "file access"), ("os.scandir", "file access"),
    ("os.chdir", "file access"), ("glob", "file access"), ("time.sleep", "waiting"),
)

# Modules used only for data, plots, files, processes or the network: their imports go.
MODULES: dict[str, str] = {
    **dict.fromkeys(("matplotlib", "seaborn", "plotly", "bokeh"), "plotting"),
    **dict.fromkeys(("pandas", "sklearn", "tensorflow_datasets", "datasets", "h5py", "joblib",
                     "cv2", "PIL", "imageio", "skimage", "nltk", "kagglehub", "kaggle", "tqdm",
                     "glob", "pickle", "zipfile", "tarfile", "librosa", "soundfile"), "data loading"),
    **dict.fromkeys(("requests", "urllib", "http", "socket", "gdown", "wget", "ftplib", "smtplib",
                     "paramiko", "boto3"), "network access"),
    **dict.fromkeys(("subprocess", "shutil", "multiprocessing"), "processes and files"),
    **dict.fromkeys(("wandb", "mlflow", "tensorboard", "comet_ml", "neptune"), "experiment logging"),
    **dict.fromkeys(("IPython", "google.colab"), "notebook tooling"),
}


def module_reason(module: str) -> str | None:
    """Why an import of ``module`` is left out, or None to keep it."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        reason = MODULES.get(".".join(parts[:n]))
        if reason:
            return reason
    return None


def call_reason(path: str | None, method: str | None) -> str | None:
    """Why a call is left out: ``path`` is its resolved dotted name (None if not a plain
    name chain), ``method`` the attribute called (None for a bare name)."""
    if path is not None:
        full = canonical(path)
        if "." not in full and full in BUILTINS:
            return BUILTINS[full]
        for prefix, reason in PREFIXES:
            if full == prefix or full.startswith(prefix + "."):
                return reason
        root = module_reason(full) if "." in full else None
        if root:
            return root
    if method is not None and method in METHODS:
        return METHODS[method]
    return None
