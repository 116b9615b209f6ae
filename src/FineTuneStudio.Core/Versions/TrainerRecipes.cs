using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>One ready-to-run recipe of a version: its file name, which trainer reads it, and how well it fits the files.</summary>
public sealed record TrainerRecipe(string FileName, string Trainer, string Fit, string Text);

/// <summary>
/// The recipes a version holds beside its data files, for the trainers its target's files suit: a TRL script
/// (SFTTrainer, or DPOTrainer for preference pairs) that loads the version's own files, an axolotl config, a
/// LLaMA-Factory dataset_info.json, for OpenAI's formats the fine-tuning job body, and for Gemini's lines (which no open
/// trainer reads) only the Vertex AI tuning job body. Each uses the epochs of the
/// epoch heuristic and the split and seed the version was cut with, and is written once and hashed like the data.
/// Paths are relative: the recipes run from the downloaded folder without edits.
/// </summary>
public static class TrainerRecipes
{
    public const string Split = "recipe";
    public const string TrlFile = "recipe-trl.py";
    public const string AxolotlFile = "recipe-axolotl.yaml";
    public const string LlamaFactoryFile = "dataset_info.json";
    public const string OpenAiJobFile = "openai-job.json";
    public const string VertexJobFile = "vertex-tuning-job.json";
    public const string BedrockJobFile = "bedrock-customization-job.json";

    /// <summary>A small open model every trainer can load; the recipes take another with one flag or line.</summary>
    public const string DefaultOpenModel = "Qwen/Qwen2.5-0.5B-Instruct";
    public const string DefaultOpenAiModel = "gpt-4.1-mini-2025-04-14";
    public const string DefaultGeminiModel = "gemini-2.5-flash";
    public const string DefaultClaudeModel = "anthropic.claude-3-haiku-20240307-v1:0:200k";
    public const string DefaultNovaModel = "amazon.nova-micro-v1:0:128k";

    public static IReadOnlyList<TrainerRecipe> For(TrainingTargetProfile target, int versionNumber, string datasetName, IReadOnlyList<string> dataFiles, int trainCount, int seed)
    {
        var epochs = EpochHeuristic.Epochs(trainCount, target);
        var hasValidation = dataFiles.Contains(SplitNames.FileOf(Domain.SplitPin.Validation));
        if (target.FileShape == TargetFileShape.GeminiContents)
        {
            // The open trainers read none of Gemini's lines; the version is for Vertex AI's tuning service.
            return [VertexJob(versionNumber, datasetName, hasValidation, epochs)];
        }

        if (target.NeedsAlternatingText)
        {
            // Bedrock's lines keep the system prompt beside the turns, which the open trainers' chat readers would drop.
            return [BedrockJob(target, versionNumber, datasetName, hasValidation, epochs, EpochHeuristic.Epochs(trainCount))];
        }

        var recipes = new List<TrainerRecipe> { Trl(target, versionNumber, datasetName, hasValidation, epochs, seed) };
        if (target.FileShape == TargetFileShape.ChatMessages)
        {
            recipes.Add(Axolotl(target, versionNumber, datasetName, hasValidation, epochs, seed));
            recipes.Add(LlamaFactory(target, versionNumber, hasValidation));
        }

        if (target.IsOpenAi)
        {
            recipes.Add(OpenAiJob(target, versionNumber, datasetName, hasValidation, epochs, seed));
        }

        return recipes;
    }

    private static TrainerRecipe Trl(TrainingTargetProfile target, int number, string dataset, bool hasValidation, int epochs, int seed)
    {
        var preference = target.IsPreference;
        var files = hasValidation ? "{\"train\": \"train.jsonl\", \"validation\": \"validation.jsonl\"}" : "{\"train\": \"train.jsonl\"}";
        var s = new StringBuilder();
        s.Append("# Fine-tunes a model on version ").Append(number).Append(" of \"").Append(PythonComment(dataset)).Append("\" with TRL's ")
            .Append(preference ? "DPOTrainer" : "SFTTrainer").Append(".\n");
        s.Append("# Run it from the version's folder:\n#   pip install \"trl>=0.20\" datasets\n#   python ").Append(TrlFile).Append(" --model ").Append(DefaultOpenModel).Append('\n');
        s.Append("# The trainer writes trainer_state.json to the output folder: import it on the Training curves page or with\n");
        s.Append("# fts training import OUTPUT/trainer_state.json --project P --dataset D --version ").Append(number).Append('\n');
        s.Append("import argparse\n\nfrom datasets import load_dataset\n");
        s.Append(preference ? "from trl import DPOConfig, DPOTrainer\n" : "from trl import SFTConfig, SFTTrainer\n");
        s.Append("\nparser = argparse.ArgumentParser()\n");
        s.Append("parser.add_argument(\"--model\", default=\"").Append(DefaultOpenModel).Append("\")\n");
        s.Append("parser.add_argument(\"--output-dir\", default=\"output\")\n");
        var conversation = !preference && target.FileShape == TargetFileShape.ChatMessages;
        if (conversation)
        {
            s.Append("# By default TRL learns from every token of a conversation, its prompts included.\n");
            s.Append("parser.add_argument(\"--assistant-only-loss\", action=\"store_true\",\n");
            s.Append("                    help=\"learn from the assistant turns only (the chat template must mark them with {%% generation %%})\")\n");
        }

        s.Append("args = parser.parse_args()\n\n");
        s.Append("# The version's own files, as it was cut (seed ").Append(seed).Append(").\n");
        s.Append("data = load_dataset(\"json\", data_files=").Append(files).Append(")\n");
        if (target.FileShape == TargetFileShape.InputPreferredNonPreferred)
        {
            s.Append("\n\n# OpenAI's preference lines hold the prompt under input.messages; TRL reads prompt, chosen and rejected.\n");
            s.Append("def to_trl(row):\n");
            s.Append("    return {\"prompt\": row[\"input\"][\"messages\"], \"chosen\": row[\"preferred_output\"], \"rejected\": row[\"non_preferred_output\"]}\n\n\n");
            s.Append("data = data.map(to_trl, remove_columns=[\"input\", \"preferred_output\", \"non_preferred_output\"])\n");
        }

        s.Append("\nconfig = ").Append(preference ? "DPOConfig" : "SFTConfig").Append("(\n");
        s.Append("    output_dir=args.output_dir,\n");
        s.Append("    num_train_epochs=").Append(epochs).Append(",  # the epoch heuristic for ").Append("this many training examples\n");
        s.Append("    seed=").Append(seed).Append(",\n");
        s.Append("    logging_steps=10,\n");
        s.Append("    eval_strategy=\"").Append(hasValidation ? "epoch" : "no").Append("\",\n");
        s.Append(conversation ? "    assistant_only_loss=args.assistant_only_loss,\n" : "");
        s.Append(")\n");
        s.Append("trainer = ").Append(preference ? "DPOTrainer" : "SFTTrainer").Append("(\n");
        s.Append("    model=args.model,\n    args=config,\n    train_dataset=data[\"train\"],\n");
        s.Append(hasValidation ? "    eval_dataset=data[\"validation\"],\n" : "");
        s.Append(")\ntrainer.train()\ntrainer.save_model(args.output_dir)\n");
        var fit = preference ? "Reads prompt, chosen and rejected."
            : !conversation ? "Reads prompt and completion; TRL learns from the completion only."
            : "Reads the messages; TRL learns from the whole conversation unless run with --assistant-only-loss"
                + (target.WeightSupport == WeightSupport.None ? "." : ", and ignores the per-turn weights the files carry.");
        return new TrainerRecipe(TrlFile, "TRL", fit, s.ToString());
    }

    private static TrainerRecipe Axolotl(TrainingTargetProfile target, int number, string dataset, bool hasValidation, int epochs, int seed)
    {
        // Which turns train: the files' own per-turn field when the target writes one, otherwise every assistant turn.
        var trainingField = target.WeightSupport switch
        {
            WeightSupport.TrainFlag => "train",
            WeightSupport.WeightZeroOrOne => "weight",
            _ => null,
        };
        var s = new StringBuilder();
        s.Append("# axolotl config for version ").Append(number).Append(" of \"").Append(PythonComment(dataset)).Append("\".\n");
        s.Append("# Run it from the version's folder: axolotl train ").Append(AxolotlFile).Append('\n');
        s.Append("base_model: ").Append(DefaultOpenModel).Append('\n');
        s.Append("datasets:\n");
        AppendDataset(s, "train.jsonl", trainingField, split: null);
        if (hasValidation)
        {
            s.Append("# The version's validation file is the evaluation set, so none is split off the training file.\n");
            s.Append("test_datasets:\n");
            AppendDataset(s, "validation.jsonl", trainingField, split: "train");
        }

        s.Append("val_set_size: 0\n");
        s.Append("num_epochs: ").Append(epochs).Append('\n');
        s.Append("seed: ").Append(seed).Append('\n');
        s.Append("sequence_len: ").Append(Math.Min(target.TokenLimitPerExample, 8192).ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("adapter: lora\nlora_r: 16\nlora_alpha: 32\nlora_dropout: 0.05\nlora_target_linear: true\n");
        s.Append("micro_batch_size: 2\ngradient_accumulation_steps: 4\nlearning_rate: 0.0002\noptimizer: adamw_torch\nlr_scheduler: cosine\n");
        s.Append("output_dir: ./outputs\n");
        var fit = trainingField is null
            ? "chat_template over the messages; every assistant turn trains."
            : $"chat_template over the messages; the \"{trainingField}\" field of each turn says which turns train, as the files carry it.";
        return new TrainerRecipe(AxolotlFile, "axolotl", fit, s.ToString());

        static void AppendDataset(StringBuilder s, string path, string? trainingField, string? split)
        {
            s.Append("  - path: ").Append(path).Append('\n');
            s.Append("    ds_type: json\n");
            if (split is not null)
            {
                s.Append("    split: ").Append(split).Append('\n');
            }

            s.Append("    type: chat_template\n");
            s.Append("    field_messages: messages\n");
            s.Append("    message_property_mappings:\n      role: role\n      content: content\n");
            if (trainingField is null)
            {
                s.Append("    roles_to_train: [\"assistant\"]\n");
            }
            else
            {
                s.Append("    message_field_training: ").Append(trainingField).Append('\n');
            }
        }
    }

    private static TrainerRecipe LlamaFactory(TrainingTargetProfile target, int number, bool hasValidation)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var split in hasValidation ? new[] { "train", "validation" } : ["train"])
            {
                w.WriteStartObject($"fts_v{number}_{split}");
                w.WriteString("file_name", $"{split}.jsonl");
                w.WriteString("formatting", "sharegpt");
                w.WriteStartObject("columns");
                w.WriteString("messages", "messages");
                w.WriteEndObject();
                w.WriteStartObject("tags");
                w.WriteString("role_tag", "role");
                w.WriteString("content_tag", "content");
                w.WriteString("user_tag", "user");
                w.WriteString("assistant_tag", "assistant");
                w.WriteString("system_tag", "system");
                w.WriteString("observation_tag", "tool");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        var fit = target.WeightSupport == WeightSupport.None
            ? $"sharegpt layout over the messages: llamafactory-cli train --stage sft --dataset_dir . --dataset fts_v{number}_train"
            : $"sharegpt layout over the messages (--dataset_dir . --dataset fts_v{number}_train); LLaMA-Factory trains every assistant turn and ignores the per-turn weights.";
        return new TrainerRecipe(LlamaFactoryFile, "LLaMA-Factory", fit, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    private static TrainerRecipe OpenAiJob(TrainingTargetProfile target, int number, string dataset, bool hasValidation, int epochs, int seed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var method = target.IsPreference ? "dpo" : "supervised";
            w.WriteStartObject();
            w.WriteString("model", DefaultOpenAiModel);
            // File names stand for the ids the upload returns (POST /v1/files, purpose "fine-tune").
            w.WriteString("training_file", "train.jsonl");
            if (hasValidation)
            {
                w.WriteString("validation_file", "validation.jsonl");
            }

            w.WriteNumber("seed", seed);
            w.WriteString("suffix", Suffix(dataset, number));
            w.WriteStartObject("method");
            w.WriteString("type", method);
            w.WriteStartObject(method);
            w.WriteStartObject("hyperparameters");
            w.WriteNumber("n_epochs", epochs);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var fit = target.NewJobsEndOn is { } end
            ? $"The job body for POST /v1/fine_tuning/jobs once the files are uploaded; new jobs stop on {end:yyyy-MM-dd}, other hosts that take this format read it too."
            : "The job body for POST /v1/fine_tuning/jobs once the files are uploaded (replace the file names with their ids).";
        return new TrainerRecipe(OpenAiJobFile, "OpenAI job", fit, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    /// <summary>
    /// The body of a Vertex AI tuning job (POST …/locations/LOCATION/tuningJobs). The dataset URIs name the files under
    /// a Cloud Storage folder to upload them to: the one part to replace, since Vertex reads its data from there only.
    /// </summary>
    private static TrainerRecipe VertexJob(int number, string dataset, bool hasValidation, int epochs)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var folder = $"gs://YOUR_BUCKET/{Suffix(dataset, number)}";
            w.WriteStartObject();
            w.WriteString("baseModel", DefaultGeminiModel);
            w.WriteStartObject("supervisedTuningSpec");
            w.WriteString("trainingDatasetUri", $"{folder}/train.jsonl");
            if (hasValidation)
            {
                w.WriteString("validationDatasetUri", $"{folder}/validation.jsonl");
            }

            w.WriteStartObject("hyperParameters");
            w.WriteNumber("epochCount", epochs);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("tunedModelDisplayName", Suffix(dataset, number));
            w.WriteEndObject();
        }

        return new TrainerRecipe(VertexJobFile, "Vertex AI job",
            "The job body for Vertex AI's tuningJobs once train.jsonl" + (hasValidation ? " and validation.jsonl are" : " is")
            + " uploaded to Cloud Storage (replace YOUR_BUCKET); every model turn is trained.",
            Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    /// <summary>
    /// The body of an Amazon Bedrock model customization job (CreateModelCustomizationJob). Bedrock reads the files from
    /// S3 and writes as a service role, so the bucket and the role are the parts to replace. Hyperparameters are strings,
    /// and <paramref name="epochs"/> are already held to the base model's most (<paramref name="heuristic"/> before that).
    /// </summary>
    private static TrainerRecipe BedrockJob(TrainingTargetProfile target, int number, string dataset, bool hasValidation, int epochs, int heuristic)
    {
        var nova = target.FileShape == TargetFileShape.BedrockConverse;
        // Bedrock's model names allow no two separators in a row.
        var name = string.Join('-', Suffix(dataset, number).Split('-', StringSplitOptions.RemoveEmptyEntries));
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var folder = $"s3://YOUR_BUCKET/{name}";
            w.WriteStartObject();
            w.WriteString("jobName", name + "-job");
            w.WriteString("customModelName", name);
            w.WriteString("roleArn", "arn:aws:iam::YOUR_ACCOUNT_ID:role/YOUR_BEDROCK_CUSTOMIZATION_ROLE");
            w.WriteString("baseModelIdentifier", nova ? DefaultNovaModel : DefaultClaudeModel);
            w.WriteString("customizationType", "FINE_TUNING");
            w.WriteStartObject("trainingDataConfig");
            w.WriteString("s3Uri", $"{folder}/train.jsonl");
            w.WriteEndObject();
            if (hasValidation)
            {
                w.WriteStartObject("validationDataConfig");
                w.WriteStartArray("validators");
                w.WriteStartObject();
                w.WriteString("s3Uri", $"{folder}/validation.jsonl");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartObject("outputDataConfig");
            w.WriteString("s3Uri", $"{folder}/output/");
            w.WriteEndObject();
            w.WriteStartObject("hyperParameters");
            w.WriteString("epochCount", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var fit = "The request body for Bedrock's CreateModelCustomizationJob once train.jsonl" + (hasValidation ? " and validation.jsonl are" : " is")
            + " uploaded to S3 (replace YOUR_BUCKET and the role); every assistant turn is trained."
            + (heuristic == epochs ? "" : $" The heuristic's {heuristic} epochs are held to {epochs}, the most {(nova ? "Nova" : "Claude 3 Haiku")} takes.");
        return new TrainerRecipe(BedrockJobFile, "Bedrock job", fit, Encoding.UTF8.GetString(buffer.ToArray()) + "\n");
    }

    /// <summary>OpenAI allows up to 64 characters of letters, digits, dashes and underscores.</summary>
    private static string Suffix(string dataset, int number)
    {
        var slug = new string(dataset.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        var suffix = $"{slug}-v{number}";
        return suffix.Length <= 40 ? suffix : suffix[^40..].TrimStart('-');
    }

    /// <summary>A dataset name inside a comment line: no line breaks.</summary>
    private static string PythonComment(string text) => text.ReplaceLineEndings(" ");
}
