using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Writes README.md, the dataset card: what the version holds and what training it would cost, in plain words.
/// Built only from the manifest, so the same manifest always gives the same card.
/// </summary>
public static class DatasetCardWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Quotes and control characters escaped, other characters as they are (readable names in the YAML block).</summary>
    private static readonly JsonSerializerOptions YamlString = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToMarkdown(DatasetManifest m)
    {
        var s = new StringBuilder();
        AppendHubMetadata(s, m);
        s.Append("# ").Append(m.DatasetName).Append(" — version ").Append(m.VersionNumber.ToString(Invariant)).Append('\n').Append('\n');
        if (!string.IsNullOrWhiteSpace(m.Note))
        {
            s.Append(m.Note.Trim()).Append("\n\n");
        }

        s.Append("Prepared for **").Append(m.TargetDisplayName).Append("** (`").Append(m.Target).Append("`) by ")
            .Append(m.Author).Append(" on ").Append(m.CreatedAtUtc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant))
            .Append(" with FineTuneStudio ").Append(m.AppVersion).Append(".\n\n");
        if (!string.IsNullOrWhiteSpace(m.TargetNotice))
        {
            s.Append("> **Note:** ").Append(m.TargetNotice).Append("\n\n");
        }

        s.Append("## What is inside\n\n");
        s.Append("| split | examples |\n|---|---:|\n");
        s.Append("| train | ").Append(N(m.Counts.Train)).Append(" |\n");
        s.Append("| validation | ").Append(N(m.Counts.Validation)).Append(" |\n");
        s.Append("| test | ").Append(N(m.Counts.Test)).Append(" |\n");
        s.Append("| **total** | **").Append(N(m.Counts.Total)).Append("** |\n\n");
        s.Append("The split is repeatable: the same examples and seed ").Append(m.Seed.ToString(Invariant))
            .Append(" always give the same assignment. Validation takes ").Append(Percent(m.ValidationShare))
            .Append(" and test ").Append(Percent(m.TestShare)).Append(" of each label.");
        if (m.ExcludedAsEvalItems > 0)
        {
            s.Append(' ').Append(N(m.ExcludedAsEvalItems))
                .Append(m.ExcludedAsEvalItems == 1 ? " example was left out because it" : " examples were left out because they")
                .Append(" also appear in an evaluation set.");
        }

        s.Append("\n\n");
        AppendDropped(s, m);
        if (m.CountsPerLabel.Count > 0)
        {
            s.Append("### Examples per label\n\n| label | train | validation | test |\n|---|---:|---:|---:|\n");
            foreach (var (label, counts) in m.CountsPerLabel.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                s.Append("| ").Append(label.Length == 0 ? "(no label)" : EscapeCell(label)).Append(" | ")
                    .Append(N(counts.Train)).Append(" | ").Append(N(counts.Validation)).Append(" | ").Append(N(counts.Test)).Append(" |\n");
            }

            s.Append('\n');
        }

        s.Append("## Length in tokens\n\n");
        s.Append("| split | smallest | 5th percentile | median | 95th percentile | largest | total |\n|---|---:|---:|---:|---:|---:|---:|\n");
        AppendStats(s, "train", m.Tokens.Train);
        AppendStats(s, "validation", m.Tokens.Validation);
        AppendStats(s, "test", m.Tokens.Test);
        s.Append('\n');

        s.Append("## Training cost estimate\n\n");
        s.Append("Training would run ").Append(N(m.Cost.Epochs)).Append(m.Cost.Epochs == 1 ? " pass" : " passes")
            .Append(" over ").Append(N(m.Cost.BilledTokens)).Append(" billable training tokens, ")
            .Append(N(m.Cost.ChargedTokens)).Append(" tokens in all.");
        if (m.Cost.EstimatedCost is { } cost && m.Cost.PricePerMillionTokens is { } price)
        {
            s.Append(" At ").Append(Money(price)).Append(" per million tokens that is about **")
                .Append(Money(cost)).Append("**.");
        }

        s.Append(' ').Append(m.PriceNote).Append("\n\n");

        s.Append("## Files\n\n| file | split | lines | bytes | SHA-256 |\n|---|---|---:|---:|---|\n");
        foreach (var file in m.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            s.Append("| ").Append(file.Name).Append(" | ").Append(file.Split).Append(" | ").Append(N(file.Lines))
                .Append(" | ").Append(file.Bytes.ToString("N0", Invariant)).Append(" | `").Append(file.Sha256).Append("` |\n");
        }

        s.Append("\nThese files never change. Compare the SHA-256 values above to confirm a download is complete.\n");
        if (m.Recipes is { Count: > 0 } recipes)
        {
            s.Append("\n## Training recipes\n\nReady to run from this folder, with the epochs and seed of this version:\n\n");
            foreach (var recipe in recipes)
            {
                s.Append("- **").Append(recipe.Trainer).Append("**: `").Append(recipe.FileName).Append("`. ").Append(recipe.Fit).Append('\n');
            }
        }

        if (m.Filters.Count > 0)
        {
            s.Append("\n## How the examples were chosen\n\n");
            foreach (var (key, value) in m.Filters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                s.Append("- ").Append(key).Append(": ").Append(value).Append('\n');
            }
        }

        return s.ToString();
    }

    public static async Task WriteAsync(DatasetManifest manifest, Stream output, CancellationToken cancellationToken = default)
    {
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(ToMarkdown(manifest));
        await output.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>
    /// The YAML block a Hugging Face dataset card starts with. Its <c>configs</c> name the split files, so the folder
    /// pushed to the Hub as it is loads with <c>load_dataset</c> and shows in the viewer by split, instead of the Hub
    /// reading the manifest and the recipes' JSON as data too. Pages that show the card leave the block out.
    /// </summary>
    private static void AppendHubMetadata(StringBuilder s, DatasetManifest m)
    {
        s.Append("---\n");
        // A JSON string is a valid YAML double-quoted scalar, whatever the dataset is called.
        s.Append("pretty_name: ").Append(JsonSerializer.Serialize($"{m.DatasetName}, version {m.VersionNumber.ToString(Invariant)}", YamlString)).Append('\n');
        s.Append("size_categories:\n- ").Append(SizeCategory(m.Counts.Total)).Append('\n');
        s.Append("task_categories:\n- text-generation\n");
        s.Append("tags:\n- fine-tuning\n- ").Append(JsonSerializer.Serialize(m.Target, YamlString)).Append('\n');
        s.Append("configs:\n- config_name: default\n  data_files:\n");
        string[] order = ["train", "validation", "test"];
        foreach (var file in m.Files.Where(f => order.Contains(f.Split)).OrderBy(f => Array.IndexOf(order, f.Split)))
        {
            s.Append("  - split: ").Append(file.Split).Append("\n    path: ").Append(JsonSerializer.Serialize(file.Name, YamlString)).Append('\n');
        }

        s.Append("---\n\n");
    }

    /// <summary>The Hub's size buckets, by number of examples.</summary>
    private static string SizeCategory(long count) => count switch
    {
        < 1_000 => "n<1K",
        < 10_000 => "1K<n<10K",
        < 100_000 => "10K<n<100K",
        < 1_000_000 => "100K<n<1M",
        < 10_000_000 => "1M<n<10M",
        _ => "10M<n<100M",
    };

    /// <summary>One sentence on what a cut with drop-unsupported left out, so nobody trains on it unaware.</summary>
    private static void AppendDropped(StringBuilder s, DatasetManifest m)
    {
        if (m.Dropped is null)
        {
            return;
        }

        var parts = m.Dropped.Where(p => p.Value > 0).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{N(p.Value)} {(p.Value == 1 ? "example" : "examples")} lost {DroppedWhat(p.Key)}").ToList();
        if (parts.Count == 0)
        {
            s.Append("Cut with drop-unsupported; nothing had to be left out for ").Append(m.Target).Append(".\n\n");
            return;
        }

        s.Append("**Left out:** ").Append(m.Target).Append(" cannot carry everything these examples hold, so ")
            .Append(string.Join("; ", parts)).Append('.');
        if (m.DuplicatesAfterDrop > 0)
        {
            s.Append(' ').Append(N(m.DuplicatesAfterDrop)).Append(" examples became exact duplicates of another once that was left out.");
        }

        s.Append("\n\n");
    }

    private static string DroppedWhat(string feature) => feature switch
    {
        "tools" => "their tool definitions",
        "turn_weights" => "their per-turn weights (the target's default decides which turns are trained)",
        "system_turn" => "their system turn",
        "multi_turn" => "every turn before the last question",
        "preference_pairs" => "their rejected completion (the preferred one is kept as the answer)",
        _ => feature,
    };

    private static void AppendStats(StringBuilder s, string split, TokenStats t)
    {
        if (t.Count == 0)
        {
            s.Append("| ").Append(split).Append(" | – | – | – | – | – | 0 |\n");
            return;
        }

        s.Append("| ").Append(split).Append(" | ").Append(N(t.Min)).Append(" | ").Append(D(t.P5)).Append(" | ").Append(D(t.Median))
            .Append(" | ").Append(D(t.P95)).Append(" | ").Append(N(t.Max)).Append(" | ").Append(t.Total.ToString("N0", Invariant)).Append(" |\n");
    }

    private static string N(long value) => value.ToString("N0", Invariant);

    private static string D(double value) => value.ToString("#,0.##", Invariant);

    private static string Percent(double share) => (share * 100).ToString("0.##", Invariant) + "%";

    private static string Money(decimal value) => "$" + value.ToString("#,0.00", Invariant);

    private static string EscapeCell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
