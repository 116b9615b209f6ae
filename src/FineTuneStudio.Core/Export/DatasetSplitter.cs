using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Export;

/// <summary>One example as the splitter sees it.</summary>
public sealed record SplitItem(int ExampleId, string? Label, SplitPin Pin, string ContentHash);

public sealed record SplitSettings(double ValidationShare, double TestShare, int Seed, IReadOnlySet<string>? ExcludedContentHashes = null);

/// <summary>Where each example went. Excluded ids are in no split (their content is held out for evaluation).</summary>
public sealed record SplitResult(IReadOnlyDictionary<int, SplitPin> Assignments, IReadOnlyList<int> Excluded)
{
    public int Count(SplitPin split) => Assignments.Values.Count(s => s == split);

    public IReadOnlyList<int> Ids(SplitPin split) => Assignments.Where(a => a.Value == split).Select(a => a.Key).Order().ToList();
}

/// <summary>
/// Deterministic, seeded train / validation / test split, stratified by label. Within each label the examples
/// are ordered by SHA-256 of "seed:id" — a shuffle whose result depends only on the seed and the ids, not on
/// the input order, the runtime version or the platform (System.Random's algorithm carries no such promise).
/// Each label then gets round(n × share) validation and test examples, counting the ones pinned there.
/// Examples whose content hash is held out (an eval set) never enter any split.
/// </summary>
public static class DatasetSplitter
{
    public static SplitResult Split(IEnumerable<SplitItem> items, SplitSettings settings)
    {
        if (settings.ValidationShare < 0 || settings.TestShare < 0 || settings.ValidationShare + settings.TestShare >= 1)
        {
            throw new StudioValidationException("shares", "Validation and test shares must be zero or more and leave room for training (together below 100%).");
        }

        var excludedHashes = settings.ExcludedContentHashes;
        var assignments = new Dictionary<int, SplitPin>();
        var excluded = new List<int>();
        var kept = new List<SplitItem>();
        int? previousId = null;
        foreach (var item in items.OrderBy(i => i.ExampleId))
        {
            if (item.ExampleId == previousId)
            {
                throw new StudioValidationException("examples", $"Example {item.ExampleId} appears twice.");
            }

            if (excludedHashes is not null && excludedHashes.Contains(item.ContentHash))
            {
                excluded.Add(item.ExampleId);
            }
            else
            {
                kept.Add(item);
            }

            previousId = item.ExampleId;
        }

        foreach (var group in kept.GroupBy(i => i.Label ?? "", StringComparer.Ordinal))
        {
            AssignGroup(group.ToList(), settings, assignments);
        }

        return new SplitResult(assignments, excluded);
    }

    private static void AssignGroup(List<SplitItem> group, SplitSettings settings, Dictionary<int, SplitPin> assignments)
    {
        var validationTarget = Round(group.Count * settings.ValidationShare);
        var testTarget = Round(group.Count * settings.TestShare);
        foreach (var pinned in group.Where(i => i.Pin != SplitPin.Auto))
        {
            assignments[pinned.ExampleId] = pinned.Pin;
        }

        var validationLeft = Math.Max(0, validationTarget - group.Count(i => i.Pin == SplitPin.Validation));
        var testLeft = Math.Max(0, testTarget - group.Count(i => i.Pin == SplitPin.Test));
        var shuffled = group.Where(i => i.Pin == SplitPin.Auto)
            .OrderBy(i => ShuffleKey(settings.Seed, i.ExampleId))
            .ThenBy(i => i.ExampleId);
        foreach (var item in shuffled)
        {
            SplitPin split;
            if (validationLeft > 0)
            {
                split = SplitPin.Validation;
                validationLeft--;
            }
            else if (testLeft > 0)
            {
                split = SplitPin.Test;
                testLeft--;
            }
            else
            {
                split = SplitPin.Train;
            }

            assignments[item.ExampleId] = split;
        }
    }

    private static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);

    /// <summary>First 8 bytes of SHA-256("seed:id"), big-endian.</summary>
    public static ulong ShuffleKey(int seed, int exampleId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes($"{seed}:{exampleId}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
