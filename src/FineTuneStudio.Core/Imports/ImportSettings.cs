using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// The words the browser, the API and the CLI use for import choices, turned into <see cref="ImportOptions"/>.
/// Every problem names the field, so one message serves all three.
/// </summary>
public static class ImportSettings
{
    /// <summary>Format names as the CLI and the API accept them; OpenAI chat and Hugging Face messages read the same way.</summary>
    public static IReadOnlyList<(string Name, ImportFormat Format, string Description)> Formats { get; } =
    [
        ("auto", ImportFormat.Auto, "Detect from the file"),
        ("csv", ImportFormat.Csv, "CSV with a header row"),
        ("openai-chat", ImportFormat.Chat, "JSONL: OpenAI chat messages (tools, weights, the older functions and function_call), Amazon Bedrock's system and messages"),
        ("prompt-completion", ImportFormat.PromptCompletion, "JSONL: prompt and completion (or response)"),
        ("hf-messages", ImportFormat.Chat, "JSONL: Hugging Face conversational messages"),
        ("preference", ImportFormat.Preference, "JSONL: prompt / chosen / rejected, or chosen / rejected whole conversations (TRL, HH-RLHF)"),
        ("alpaca", ImportFormat.Alpaca, "Instructions (Alpaca, Dolly, OpenOrca, GSM8K): instruction or question, input or context, output or response"),
        ("sharegpt", ImportFormat.ShareGpt, "ShareGPT / LLaMA-Factory: conversations of from / value turns, tools"),
        ("sharegpt-preference", ImportFormat.ShareGptPreference, "ShareGPT conversations with chosen / rejected answers"),
        ("kto", ImportFormat.Kto, "KTO: a conversation with label (or kto_tag) true / false, kept as a tag"),
        ("label-studio", ImportFormat.LabelStudio, "Label Studio JSON export: tasks with data and annotations"),
        ("argilla", ImportFormat.Argilla, "Argilla records (v2 fields / responses, or v1 text / annotation)"),
        ("text", ImportFormat.Text, "JSONL: text with an optional label (Hugging Face text classification)"),
        ("gemini", ImportFormat.Gemini, "JSONL: Gemini tuning on Vertex AI (contents of user and model parts, systemInstruction)"),
    ];

    /// <summary>The name a format is given on the command line, for messages.</summary>
    public static string NameOf(ImportFormat format) =>
        Formats.FirstOrDefault(f => f.Format == format).Name ?? format.ToString().ToLowerInvariant();

    public static IReadOnlyList<ExampleStatus> ImportableStatuses { get; } = [ExampleStatus.Draft, ExampleStatus.Submitted, ExampleStatus.Approved];

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    public static string TooLargeMessage(long limit) =>
        $"the file is larger than the upload limit of {FormatBytes(limit)}; split it into smaller files or import it with the fts command line";

    /// <summary>
    /// Builds import options from text choices; null or empty values take the defaults (auto, draft, skip, no mapping).
    /// Throws <see cref="StudioValidationException"/> listing every bad choice.
    /// </summary>
    /// <param name="invalid">Records with problems: <c>refuse</c> the file (the default) or <c>skip</c> them.</param>
    public static ImportOptions Parse(string? format, string? status, string? duplicates, string? mapping, bool dryRun, string? invalid = null)
    {
        var errors = new List<InputError>();
        var parsedFormat = ImportFormat.Auto;
        if (!string.IsNullOrWhiteSpace(format))
        {
            var found = Formats.FirstOrDefault(f => string.Equals(f.Name, format.Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(f.Format.ToString(), format.Trim(), StringComparison.OrdinalIgnoreCase));
            if (found.Name is null)
            {
                errors.Add(new InputError("format", $"'{format}' is not a format; use {string.Join(", ", Formats.Select(f => f.Name))}"));
            }
            else
            {
                parsedFormat = found.Format;
            }
        }

        var parsedStatus = ExampleStatus.Draft;
        if (!string.IsNullOrWhiteSpace(status))
        {
            var found = ImportableStatuses.Where(s => string.Equals(s.ToString(), status.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
            if (found.Count == 0)
            {
                errors.Add(new InputError("status", $"'{status}' cannot be given on import; use draft, submitted or approved"));
            }
            else
            {
                parsedStatus = found[0];
            }
        }

        var policy = DuplicatePolicy.Skip;
        if (!string.IsNullOrWhiteSpace(duplicates))
        {
            if (!Enum.TryParse(duplicates.Trim(), ignoreCase: true, out policy) || !Enum.IsDefined(policy))
            {
                errors.Add(new InputError("duplicates", $"'{duplicates}' is not a choice; use skip or keep"));
            }
        }

        var invalidPolicy = InvalidRecordPolicy.Refuse;
        if (!string.IsNullOrWhiteSpace(invalid)
            && (!Enum.TryParse(invalid.Trim(), ignoreCase: true, out invalidPolicy) || !Enum.IsDefined(invalidPolicy)))
        {
            errors.Add(new InputError("invalid", $"'{invalid}' is not a choice; use refuse or skip"));
        }

        CsvMapping? csvMapping = null;
        if (!string.IsNullOrWhiteSpace(mapping))
        {
            csvMapping = ParseMapping(mapping, errors);
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        if (csvMapping is not null && parsedFormat is not (ImportFormat.Csv or ImportFormat.Auto))
        {
            throw new StudioValidationException("mapping", "a column mapping applies only to CSV files");
        }

        return new ImportOptions
        {
            Format = parsedFormat, Status = parsedStatus, DuplicatePolicy = policy, InvalidRecords = invalidPolicy, CsvMapping = csvMapping, DryRun = dryRun,
        };
    }

    /// <summary>Reads <c>system=COL,user=COL,input=COL,assistant=COL,label=COL,tags=COL</c>; column names are the CSV header names.</summary>
    public static CsvMapping ParseMapping(string text)
    {
        var errors = new List<InputError>();
        var mapping = ParseMapping(text, errors);
        return errors.Count > 0 ? throw new StudioValidationException(errors) : mapping;
    }

    private static CsvMapping ParseMapping(string text, List<InputError> errors)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string[] known = ["system", "user", "input", "assistant", "label", "tags"];
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pair : pair[..equals].Trim();
            var column = equals < 0 ? "" : pair[(equals + 1)..].Trim();
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new InputError("mapping", $"'{key}' is not a part of an example; map system, user, input, assistant, label or tags"));
            }
            else if (column.Length == 0)
            {
                errors.Add(new InputError($"mapping.{key.ToLowerInvariant()}", "needs a column name, as in user=question"));
            }
            else if (!parts.TryAdd(key, column))
            {
                errors.Add(new InputError($"mapping.{key.ToLowerInvariant()}", "is given twice"));
            }
        }

        string? Get(string key) => parts.GetValueOrDefault(key);
        if (errors.Count == 0 && Get("user") is null)
        {
            errors.Add(new InputError("mapping.user", "choose the column that holds the user's message, as in user=question"));
        }

        return new CsvMapping(Get("user"), Get("assistant"), Get("system"), Get("label"), Get("tags"), Get("input"));
    }

    /// <summary>The mapping in the text form <see cref="ParseMapping(string)"/> reads.</summary>
    public static string FormatMapping(CsvMapping mapping) => string.Join(",", new[]
        {
            ("system", mapping.System), ("user", mapping.User), ("input", mapping.Input), ("assistant", mapping.Assistant), ("label", mapping.Label), ("tags", mapping.Tags),
        }.Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={p.Item2}"));

    /// <summary>
    /// True when the file is JSON (it starts, after a byte order mark and white space, with '{' or '[') or Parquet, also
    /// inside gzip or as UTF-16/32 text; else it is read as CSV. The position is kept.
    /// </summary>
    public static async Task<bool> LooksLikeJsonAsync(Stream file, CancellationToken cancellationToken)
    {
        var start = file.Position;
        try
        {
            var kind = await ImportFile.SniffAsync(file, cancellationToken);
            if (kind is not (ImportFileKind.Gzip or ImportFileKind.WideText))
            {
                return kind is ImportFileKind.Json or ImportFileKind.Parquet;
            }

            // Only the first 64 KB are unpacked: a gzip bomb of white space must not keep the page busy.
            await using var plain = await ImportFile.OpenPreviewAsync(file, cancellationToken);
            var head = new byte[64 * 1024];
            var read = await plain.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            var content = head.AsSpan(0, read);
            if (content.StartsWith("PAR1"u8))
            {
                return true;
            }

            return PrefixStream.FirstContentByte(content) is '{' or '[';
        }
        catch (InvalidDataException)
        {
            // Broken gzip: the import itself says so.
            return true;
        }
        finally
        {
            file.Position = start;
        }
    }
}
