using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Versions;

/// <summary>One example as the splitter sees it.</summary>
public sealed record SplitItem(int ExampleId, string? Label, SplitPin Pin);

public sealed record SplitSettings(double ValidationShare, double TestShare, int Seed);

/// <summary>Where each example went.</summary>
public sealed record SplitResult(IReadOnlyDictionary<int, SplitPin> Assignments)
{
    public int Count(SplitPin split) => Assignments.Values.Count(s => s == split);

    public IReadOnlyList<int> Ids(SplitPin split) => Assignments.Where(a => a.Value == split).Select(a => a.Key).Order().ToList();
}

/// <summary>
/// Deterministic, seeded train / validation / test split, stratified by label. Within each label the examples
/// are ordered by SHA-256 of "seed:id" — a shuffle whose result depends only on the seed and the ids, not on
/// the input order, the runtime version or the platform (System.Random's algorithm carries no such promise).
/// Each label then gets round(n × share) validation and test examples, counting the ones pinned there.
/// Examples held out by an eval set never reach the splitter: the cut leaves them out first (<see cref="CutSelection"/>).
/// </summary>
public static class DatasetSplitter
{
    public static SplitResult Split(IEnumerable<SplitItem> items, SplitSettings settings)
    {
        if (settings.ValidationShare < 0 || settings.TestShare < 0 || settings.ValidationShare + settings.TestShare >= 1)
        {
            throw new StudioValidationException("shares", "Validation and test shares must be zero or more and leave room for training (together below 100%).");
        }

        var assignments = new Dictionary<int, SplitPin>();
        var kept = new List<SplitItem>();
        int? previousId = null;
        foreach (var item in items.OrderBy(i => i.ExampleId))
        {
            if (item.ExampleId == previousId)
            {
                throw new StudioValidationException("examples", $"Example {item.ExampleId} appears twice.");
            }

            kept.Add(item);
            previousId = item.ExampleId;
        }

        // The same two passes a cut makes over the database: count per label, then offer every example.
        var plan = new SplitPlan(settings.ValidationShare, settings.TestShare, settings.Seed);
        foreach (var item in kept)
        {
            plan.Count(item.Label, item.Pin);
        }

        plan.StartDrawing();
        foreach (var item in kept)
        {
            plan.Offer(item.ExampleId, item.Label, item.Pin);
        }

        plan.FinishDrawing();
        foreach (var item in kept)
        {
            assignments[item.ExampleId] = plan.Assign(item.ExampleId, item.Pin);
        }

        return new SplitResult(assignments);
    }

    internal static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);

    /// <summary>First 8 bytes of SHA-256("seed:id"), big-endian.</summary>
    public static ulong ShuffleKey(int seed, int exampleId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes($"{seed}:{exampleId}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}

/// <summary>
/// The stratified split in memory that does not grow with the dataset: O(labels + validation + test examples).
/// Use in three steps over the same examples (any order): <see cref="Count"/> each, then <see cref="Offer"/> each
/// after <see cref="StartDrawing"/>, then <see cref="Assign"/> each after <see cref="FinishDrawing"/>.
/// Within each label the pinned examples count toward their split; the remaining validation and test quotas
/// (round(n × share) minus the pinned ones) are filled, in that order, from the unpinned examples by ascending
/// <see cref="DatasetSplitter.ShuffleKey"/> and then id. Only the k smallest keys per label are kept while
/// offering (a bounded max-heap, k = both remaining quotas), so a million examples need only the drawn ids.
/// </summary>
public sealed class SplitPlan(double validationShare, double testShare, int seed)
{
    private sealed class LabelState
    {
        public int Count;
        public int PinnedValidation;
        public int PinnedTest;
        public int ValidationLeft;
        public int Quota;
        public PriorityQueue<int, (ulong Key, int Id)>? Heap;
        public int Validation;
        public int Test;
    }

    private static readonly IComparer<(ulong Key, int Id)> Largest = Comparer<(ulong Key, int Id)>.Create((a, b) => b.CompareTo(a));

    private readonly Dictionary<string, LabelState> _labels = new(StringComparer.Ordinal);
    private readonly HashSet<int> _validation = [];
    private readonly HashSet<int> _test = [];
    private bool _drawing;
    private bool _finished;

    /// <summary>Examples counted per label (the empty string for no label).</summary>
    public IEnumerable<string> Labels => _labels.Keys;

    public void Count(string? label, SplitPin pin)
    {
        if (_drawing)
        {
            throw new InvalidOperationException("Counting is over.");
        }

        var state = State(label, create: true)!;
        state.Count++;
        if (pin == SplitPin.Validation)
        {
            state.PinnedValidation++;
        }
        else if (pin == SplitPin.Test)
        {
            state.PinnedTest++;
        }
    }

    public void StartDrawing()
    {
        foreach (var state in _labels.Values)
        {
            state.ValidationLeft = Math.Max(0, DatasetSplitter.Round(state.Count * validationShare) - state.PinnedValidation);
            var testLeft = Math.Max(0, DatasetSplitter.Round(state.Count * testShare) - state.PinnedTest);
            state.Quota = state.ValidationLeft + testLeft;
            state.Heap = new PriorityQueue<int, (ulong Key, int Id)>(Math.Min(state.Quota, 1024), Largest);
        }

        _drawing = true;
    }

    /// <summary>Returns false when the label was not counted (the examples changed between the passes).</summary>
    public bool Offer(int id, string? label, SplitPin pin)
    {
        if (!_drawing || _finished)
        {
            throw new InvalidOperationException("Call StartDrawing first.");
        }

        if (State(label, create: false) is not { } state)
        {
            return false;
        }

        if (pin != SplitPin.Auto || state.Quota == 0)
        {
            return true;
        }

        var entry = (DatasetSplitter.ShuffleKey(seed, id), id);
        var heap = state.Heap!;
        if (heap.Count < state.Quota)
        {
            heap.Enqueue(id, entry);
        }
        else if (heap.TryPeek(out _, out var largest) && entry.CompareTo(largest) < 0)
        {
            heap.DequeueEnqueue(id, entry);
        }

        return true;
    }

    public void FinishDrawing()
    {
        foreach (var state in _labels.Values)
        {
            var drawn = new List<(ulong Key, int Id)>(state.Heap!.Count);
            while (state.Heap.TryDequeue(out _, out var entry))
            {
                drawn.Add(entry);
            }

            drawn.Sort();
            for (var i = 0; i < drawn.Count; i++)
            {
                if (i < state.ValidationLeft)
                {
                    _validation.Add(drawn[i].Id);
                }
                else
                {
                    _test.Add(drawn[i].Id);
                }
            }

            state.Validation = state.PinnedValidation + Math.Min(state.ValidationLeft, drawn.Count);
            state.Test = state.PinnedTest + Math.Max(0, drawn.Count - state.ValidationLeft);
            state.Heap = null;
        }

        _finished = true;
    }

    public SplitPin Assign(int id, SplitPin pin)
    {
        if (!_finished)
        {
            throw new InvalidOperationException("Call FinishDrawing first.");
        }

        return pin switch
        {
            SplitPin.Validation or SplitPin.Test or SplitPin.Train => pin,
            _ when _validation.Contains(id) => SplitPin.Validation,
            _ when _test.Contains(id) => SplitPin.Test,
            _ => SplitPin.Train,
        };
    }

    /// <summary>How many examples of a label land in each split (known once drawing is finished).</summary>
    public SplitCounts CountsOf(string? label)
    {
        var state = State(label, create: false) ?? throw new KeyNotFoundException(label);
        return new SplitCounts(state.Count - state.Validation - state.Test, state.Validation, state.Test);
    }

    /// <summary>Examples counted for a label; 0 for a label never counted.</summary>
    public int CountOf(string? label) => State(label, create: false)?.Count ?? 0;

    public SplitCounts Totals
    {
        get
        {
            int train = 0, validation = 0, test = 0;
            foreach (var label in _labels.Keys)
            {
                var c = CountsOf(label);
                train += c.Train;
                validation += c.Validation;
                test += c.Test;
            }

            return new SplitCounts(train, validation, test);
        }
    }

    private LabelState? State(string? label, bool create)
    {
        var key = label ?? "";
        if (_labels.TryGetValue(key, out var state))
        {
            return state;
        }

        if (!create)
        {
            return null;
        }

        return _labels[key] = new LabelState();
    }
}
