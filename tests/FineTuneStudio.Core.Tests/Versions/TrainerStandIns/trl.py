"""Stand-in for the TRL names the version recipes use (SFTConfig, SFTTrainer, DPOConfig, DPOTrainer).

It refuses what the real ones refuse before any model is loaded: a config name TRL does not document, and rows
without the fields the trainer reads. train() writes trainer_state.json into the output folder in the shape Hugging
Face's Trainer writes it (log_history with loss, learning_rate, epoch and step per logging step, eval_loss per
evaluation, a closing train_loss entry), with made-up numbers, so the folder's output can be imported back.
"""
import json
import os

# TrainingArguments names the recipes pass, then the ones each TRL config adds (as TRL's reference documents them).
TRAINING_ARGUMENTS = {
    "output_dir", "num_train_epochs", "seed", "logging_steps", "eval_strategy", "learning_rate",
    "per_device_train_batch_size", "gradient_accumulation_steps", "report_to", "bf16",
}
SFT_ARGUMENTS = {"assistant_only_loss", "completion_only_loss", "max_length", "packing"}
DPO_ARGUMENTS = {"beta", "max_length", "max_prompt_length", "loss_type"}
ROLES = {"system", "user", "assistant", "tool"}


class _Config:
    own = set()

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - TRAINING_ARGUMENTS - self.own)
        if unknown:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected keyword argument(s): {', '.join(unknown)}")
        self.num_train_epochs = 3
        self.eval_strategy = "no"
        self.__dict__.update(kwargs)


class SFTConfig(_Config):
    own = SFT_ARGUMENTS


class DPOConfig(_Config):
    own = DPO_ARGUMENTS


def _messages(value, where):
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: expected a list of messages")
    for index, message in enumerate(value):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise ValueError(f"{where}[{index}]: a message needs a role of {sorted(ROLES)}")
        if not message.get("tool_calls") and not isinstance(message.get("content"), str):
            raise ValueError(f"{where}[{index}]: content must be text")


def _text_or_messages(value, where):
    if not isinstance(value, str):
        _messages(value, where)


class _Trainer:
    def __init__(self, model, args, train_dataset, eval_dataset=None):
        if not isinstance(model, str) or not model:
            raise ValueError("model: a model name or path")
        self.args = args
        self.splits = {"train": train_dataset}
        if eval_dataset is not None:
            self.splits["eval"] = eval_dataset
        for split, rows in self.splits.items():
            if not rows:
                raise ValueError(f"{split}: the dataset has no rows")
            for index, row in enumerate(rows):
                self.check(row, f"{split}[{index}]")

    def train(self):
        epochs = int(self.args.num_train_epochs)
        steps = max(1, len(self.splits["train"]) // 8)
        history = []
        for epoch in range(1, epochs + 1):
            step = epoch * steps
            history.append({"epoch": float(epoch), "grad_norm": 1.0, "learning_rate": round(2e-5 * (epochs - epoch + 1) / epochs, 10),
                            "loss": round(2.0 / epoch, 4), "step": step})
            if "eval" in self.splits and self.args.eval_strategy == "epoch":
                history.append({"epoch": float(epoch), "eval_loss": round(1.9 / epoch, 4), "eval_runtime": 0.5, "step": step})
        history.append({"epoch": float(epochs), "step": epochs * steps, "total_flos": 0.0, "train_loss": 1.0, "train_runtime": 1.0})
        os.makedirs(self.args.output_dir, exist_ok=True)
        state = {"epoch": float(epochs), "global_step": epochs * steps, "log_history": history, "max_steps": epochs * steps,
                 "num_train_epochs": epochs, "train_batch_size": 8}
        with open(os.path.join(self.args.output_dir, "trainer_state.json"), "w", encoding="utf-8") as out:
            json.dump(state, out, indent=2)

    def save_model(self, output_dir):
        os.makedirs(output_dir, exist_ok=True)


class SFTTrainer(_Trainer):
    def check(self, row, where):
        if "messages" in row:
            _messages(row["messages"], f"{where}.messages")
        elif "prompt" in row and "completion" in row:
            _text_or_messages(row["prompt"], f"{where}.prompt")
            _text_or_messages(row["completion"], f"{where}.completion")
        elif "text" not in row:
            raise ValueError(f"{where}: SFTTrainer reads messages, prompt and completion, or text; the row has {sorted(row)}")


class DPOTrainer(_Trainer):
    def check(self, row, where):
        for key in ("prompt", "chosen", "rejected"):
            if key not in row:
                raise ValueError(f"{where}: DPOTrainer reads prompt, chosen and rejected; the row has {sorted(row)}")
            _text_or_messages(row[key], f"{where}.{key}")
