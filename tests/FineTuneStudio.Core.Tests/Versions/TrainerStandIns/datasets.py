"""Stand-in for the part of Hugging Face datasets the version recipes call.

load_dataset("json", data_files=...) reads the JSON Lines files itself, relative to the working folder as the real
one does, and map() applies a function to every row, dropping remove_columns after it, in the real one's order.
It lets a recipe's own code run where the real library cannot be installed; it is no model of Arrow's typing.
"""
import json


class Dataset(list):
    def map(self, function, remove_columns=None):
        mapped = Dataset()
        for row in self:
            new = dict(row)
            new.update(function(row))
            for column in remove_columns or []:
                if column in row:
                    del new[column]
            mapped.append(new)
        return mapped


class DatasetDict(dict):
    def map(self, function, remove_columns=None):
        return DatasetDict({split: rows.map(function, remove_columns) for split, rows in self.items()})


def load_dataset(builder, data_files):
    if builder != "json":
        raise ValueError(f"only the json builder is stood in for, not {builder!r}")
    splits = DatasetDict()
    for split, path in data_files.items():
        with open(path, encoding="utf-8") as lines:
            splits[split] = Dataset(json.loads(line) for line in lines if line.strip())
    return splits
