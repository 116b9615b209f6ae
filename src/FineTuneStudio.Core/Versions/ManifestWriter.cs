using System.Globalization;
using System.Text.Json;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Writes manifest.json. Same manifest, same bytes: properties in a fixed order, dictionaries sorted by key,
/// ids ascending, "\n" line endings, invariant number and date formats, UTF-8 without a byte order mark.
/// </summary>
public static class ManifestWriter
{
    public const int ManifestFormatVersion = 1;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(DatasetManifest manifest, Stream output, CancellationToken cancellationToken = default)
    {
        await using (var writer = new Utf8JsonWriter(output, Options))
        {
            Write(writer, manifest);
            await writer.FlushAsync(cancellationToken);
        }

        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    public static string ToJson(DatasetManifest manifest)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            Write(writer, manifest);
        }

        // Decoded straight from the buffer with the final newline: no extra copies of a manifest that lists a million ids.
        stream.WriteByte((byte)'\n');
        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static void Write(Utf8JsonWriter w, DatasetManifest m)
    {
        w.WriteStartObject();
        w.WriteNumber("manifest_version", ManifestFormatVersion);
        w.WriteNumber("version", m.VersionNumber);
        w.WriteString("dataset", m.DatasetName);
        w.WriteString("target", m.Target);
        w.WriteString("target_name", m.TargetDisplayName);
        WriteNullableString(w, "note", m.Note);
        w.WriteStartObject("filters");
        foreach (var (key, value) in m.Filters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        w.WriteStartObject("split");
        w.WriteNumber("seed", m.Seed);
        w.WriteNumber("validation_share", m.ValidationShare);
        w.WriteNumber("test_share", m.TestShare);
        w.WriteNumber("excluded_as_eval_items", m.ExcludedAsEvalItems);
        w.WriteEndObject();
        w.WritePropertyName("counts");
        WriteCounts(w, m.Counts);
        w.WriteStartObject("counts_per_label");
        foreach (var (label, counts) in m.CountsPerLabel.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WritePropertyName(label);
            WriteCounts(w, counts);
        }

        w.WriteEndObject();
        if (m.Dropped is not null)
        {
            // Only cuts with drop-unsupported have these, so other manifests keep their bytes.
            w.WriteStartObject("dropped");
            foreach (var (feature, count) in m.Dropped.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(feature, count);
            }

            w.WriteEndObject();
            w.WriteNumber("duplicates_after_drop", m.DuplicatesAfterDrop);
        }

        w.WriteStartObject("tokens");
        WriteStats(w, "train", m.Tokens.Train);
        WriteStats(w, "validation", m.Tokens.Validation);
        WriteStats(w, "test", m.Tokens.Test);
        w.WriteEndObject();
        w.WriteStartObject("cost_estimate");
        w.WriteNumber("epochs", m.Cost.Epochs);
        w.WriteNumber("billed_tokens", m.Cost.BilledTokens);
        w.WriteNumber("charged_tokens", m.Cost.ChargedTokens);
        WriteNullableDecimal(w, "price_per_million_tokens", m.Cost.PricePerMillionTokens);
        WriteNullableDecimal(w, "estimated_cost", m.Cost.EstimatedCost);
        w.WriteString("price_note", m.PriceNote);
        w.WriteEndObject();
        WriteNullableString(w, "target_notice", m.TargetNotice);
        w.WriteStartArray("files");
        foreach (var file in m.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("name", file.Name);
            w.WriteString("split", file.Split);
            w.WriteString("sha256", file.Sha256);
            w.WriteNumber("bytes", file.Bytes);
            w.WriteNumber("lines", file.Lines);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (m.Recipes is { Count: > 0 } recipes)
        {
            // The recipe files are hashed under "files"; here is which trainer reads each and how well it fits.
            w.WriteStartArray("recipes");
            foreach (var recipe in recipes)
            {
                w.WriteStartObject();
                w.WriteString("file", recipe.FileName);
                w.WriteString("trainer", recipe.Trainer);
                w.WriteString("fit", recipe.Fit);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartObject("example_ids");
        WriteIds(w, "train", m.ExampleIds.Train);
        WriteIds(w, "validation", m.ExampleIds.Validation);
        WriteIds(w, "test", m.ExampleIds.Test);
        w.WriteEndObject();
        w.WriteString("author", m.Author);
        w.WriteString("created_at", m.CreatedAtUtc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        w.WriteString("app_version", m.AppVersion);
        w.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter w, SplitCounts counts)
    {
        w.WriteStartObject();
        w.WriteNumber("train", counts.Train);
        w.WriteNumber("validation", counts.Validation);
        w.WriteNumber("test", counts.Test);
        w.WriteNumber("total", counts.Total);
        w.WriteEndObject();
    }

    private static void WriteStats(Utf8JsonWriter w, string name, TokenStats stats)
    {
        w.WriteStartObject(name);
        w.WriteNumber("examples", stats.Count);
        w.WriteNumber("total", stats.Total);
        w.WriteNumber("min", stats.Min);
        w.WriteNumber("p5", stats.P5);
        w.WriteNumber("median", stats.Median);
        w.WriteNumber("p95", stats.P95);
        w.WriteNumber("max", stats.Max);
        w.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter w, string name, IReadOnlyList<int> ids)
    {
        w.WriteStartArray(name);
        var ascending = true;
        for (var i = 1; i < ids.Count && ascending; i++)
        {
            ascending = ids[i - 1] <= ids[i];
        }

        var written = 0;
        foreach (var id in ascending ? ids : (IEnumerable<int>)ids.Order())
        {
            w.WriteNumberValue(id);
            if (++written % 8192 == 0)
            {
                // Hands the text to the output as it goes, so a million ids are never buffered in the writer.
                w.Flush();
            }
        }

        w.WriteEndArray();
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNullableDecimal(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
