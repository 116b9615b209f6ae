using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>A batch inference job's request, with what the reader still has to do before sending it.</summary>
public sealed record BedrockJobRequest(string FileName, string Json, int Records, IReadOnlyList<string> Notes);

/// <summary>
/// The body of Bedrock's CreateModelInvocationJob for an eval set's batch input (<see cref="EvalSetExport"/>): the job
/// reads the records from S3 and writes <c>.jsonl.out</c> files beside them, which import back as a run of the set.
/// Bedrock allows no keys it does not know, so the parts to replace (bucket, role, and the model when scoring a custom
/// one) are spelled as placeholders and listed in <see cref="BedrockJobRequest.Notes"/>.
/// </summary>
public static class BedrockBatchJob
{
    /// <summary>The on-demand ids of the base models the customization recipes start from.</summary>
    public const string ClaudeModelId = "anthropic.claude-3-haiku-20240307-v1:0";
    public const string NovaModelId = "amazon.nova-micro-v1:0";

    /// <summary>Bedrock's service quotas set a least number of records per batch job; this is its default when written.</summary>
    public const int DocumentedMinimumRecords = 100;

    /// <summary>Bedrock's job names: letters and digits, then dashes, dots and pluses between them; at most 63 characters.</summary>
    private const int MaxJobName = 63;

    /// <summary>At most <paramref name="length"/> characters, cut after a whole word where the name has one.</summary>
    private static string Shortened(string name, int length)
    {
        if (name.Length <= length)
        {
            return name;
        }

        var cut = name[..length];
        var dash = cut.LastIndexOf('-');
        return name[length] == '-' || dash < 0 ? cut.TrimEnd('-') : cut[..dash];
    }

    public static BedrockJobRequest For(int setId, string setName, string format, int records)
    {
        var nova = format == EvalSetExport.BedrockNovaFormat;
        var input = EvalSetExport.FileName(setId, format);
        var slug = string.Join('-', new string(setName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray())
            .Split('-', StringSplitOptions.RemoveEmptyEntries));
        var name = $"eval-set-{setId}" + (slug.Length > 0 ? "-" + slug : "");
        name = Shortened(name, MaxJobName - "-batch".Length) + "-batch";
        var folder = $"s3://YOUR_BUCKET/{name}";

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("jobName", name);
            w.WriteString("roleArn", "arn:aws:iam::YOUR_ACCOUNT_ID:role/YOUR_BEDROCK_BATCH_ROLE");
            w.WriteString("modelId", nova ? NovaModelId : ClaudeModelId);
            w.WriteStartObject("inputDataConfig");
            w.WriteStartObject("s3InputDataConfig");
            w.WriteString("s3Uri", $"{folder}/input/{input}");
            w.WriteString("s3InputFormat", "JSONL");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("outputDataConfig");
            w.WriteStartObject("s3OutputDataConfig");
            w.WriteString("s3Uri", $"{folder}/output/");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var notes = new List<string>
        {
            $"Upload {input} to {folder}/input/ and replace YOUR_BUCKET, YOUR_ACCOUNT_ID and the role (it reads the input and writes the output folder).",
            $"modelId is the base model {(nova ? "Nova Micro" : "Claude 3 Haiku")}; to score your customized model, put the id or ARN Bedrock gives it for inference.",
            $"The job writes {input}.out under {folder}/output/; import that file on the Runs page (or fts eval import-run) as a run of this set.",
        };
        if (records < DocumentedMinimumRecords)
        {
            notes.Add($"This set has {ListText.Counted(records, "item")}: Bedrock's quotas ask for at least {DocumentedMinimumRecords.ToString(CultureInfo.InvariantCulture)} records per batch job by default "
                + "(see your account's quota), so a smaller job may be refused.");
        }

        return new BedrockJobRequest($"eval-set-{setId}-{format}-batch-job.json", Encoding.UTF8.GetString(buffer.ToArray()) + "\n", records, notes);
    }
}
