using System.Runtime.InteropServices;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// Compares logged production inputs with the training inputs of a dataset version. Feed every
/// training input first (<see cref="AddTraining"/>), then every logged request (<see cref="AddLog"/>),
/// then call <see cref="Analyze"/>. Texts are not kept: per item only lengths, a MinHash signature
/// and term counts, so memory follows the number of items and the vocabulary, not the text.
/// <para>Figures, all on 0-1: token-length shift as the two-sample Kolmogorov-Smirnov statistic;
/// share of logged term occurrences never seen in training; Jensen-Shannon divergence (base 2)
/// between the training and logged term distributions; label shift as total variation distance
/// where both sides have labels; and the share of logged inputs with no near neighbour in training,
/// less the same share among training inputs (a training set of distinct texts has some itself).</para>
/// </summary>
public sealed class DriftAnalyzer
{
    private readonly DriftOptions _options;
    private readonly Func<string, int> _countTokens;
    private readonly MinHasher _hasher;
    private readonly SignatureStore _signatures;
    private uint[]? _scratch;
    private readonly List<bool> _hasShingles = [];

    private readonly List<int> _trainingTokens = [];
    private readonly List<int> _trainingChars = [];
    private readonly Dictionary<string, long> _trainingTerms = new(StringComparer.Ordinal);
    private long _trainingTermTotal;
    private readonly Dictionary<string, int> _trainingLabels = new(StringComparer.Ordinal);

    private readonly List<long> _logIds = [];
    private readonly List<int> _logWeeks = [];
    private readonly List<int> _logTokens = [];
    private readonly List<int> _logChars = [];
    private readonly Dictionary<string, int> _logLabels = new(StringComparer.Ordinal);
    private readonly TermCounts _logTerms = new();
    private readonly List<WeekState> _weeks = [];
    private readonly Dictionary<DateTime, int> _weekIndex = [];

    public DriftAnalyzer(DriftOptions? options = null, Func<string, int>? countTokens = null)
    {
        _options = options ?? new DriftOptions();
        if (_options.Threshold is <= 0 or > 1)
        {
            throw new StudioValidationException("threshold", "The drift threshold must be above 0 and at most 1.");
        }

        if (_options.NeighbourSimilarity is <= 0 or > 1)
        {
            throw new StudioValidationException("neighbourSimilarity", "The near-neighbour similarity must be above 0 and at most 1.");
        }

        _countTokens = countTokens ?? TokenCounter.O200k.Count;
        _hasher = new MinHasher(_options.ShingleSize, _options.SignatureSize);
        _signatures = new SignatureStore(_options.SignatureSize);
    }

    public int TrainingCount => _trainingTokens.Count;

    public int LogCount => _logIds.Count;

    public void AddTraining(string text, string? label = null)
    {
        if (_logIds.Count > 0)
        {
            throw new InvalidOperationException("Add every training input before the first logged request.");
        }

        _trainingTokens.Add(_countTokens(text));
        _trainingChars.Add(text.Length);
        var training = _trainingTerms.GetAlternateLookup<ReadOnlySpan<char>>();
        _trainingTermTotal += Terms.Visit(text, term => CollectionsMarshal.GetValueRefOrAddDefault(training, term, out _)++);
        if (!string.IsNullOrEmpty(label))
        {
            _trainingLabels[label] = _trainingLabels.GetValueOrDefault(label) + 1;
        }

        _hasShingles.Add(AddSignature(text));
    }

    public void AddLog(long id, DateTime loggedAt, string text, string? label = null)
    {
        var weekStart = WeekStart(loggedAt);
        if (!_weekIndex.TryGetValue(weekStart, out var w))
        {
            w = _weeks.Count;
            _weekIndex[weekStart] = w;
            _weeks.Add(new WeekState(weekStart));
        }

        var week = _weeks[w];
        var tokens = _countTokens(text);
        _logIds.Add(id);
        _logWeeks.Add(w);
        _logTokens.Add(tokens);
        _logChars.Add(text.Length);
        week.Tokens.Add(tokens);
        var training = _trainingTerms.GetAlternateLookup<ReadOnlySpan<char>>();
        Terms.Visit(text, term =>
        {
            var seen = training.ContainsKey(term);
            _logTerms.Add(term, seen);
            week.Terms.Add(term, seen);
        });
        if (!string.IsNullOrEmpty(label))
        {
            _logLabels[label] = _logLabels.GetValueOrDefault(label) + 1;
        }

        _hasShingles.Add(AddSignature(text));
    }

    public DriftReport Analyze(CancellationToken cancellationToken = default)
    {
        var threshold = _options.Threshold;
        var (trainingAlone, logAlone) = FindNeighbours(cancellationToken);

        var trainingWithText = 0;
        var trainingWithout = 0;
        for (var i = 0; i < _trainingTokens.Count; i++)
        {
            if (_hasShingles[i])
            {
                trainingWithText++;
                trainingWithout += trainingAlone[i] ? 1 : 0;
            }
        }

        var trainingNoNeighbour = Share(trainingWithout, trainingWithText);
        var logsWithText = 0;
        var logsWithout = 0;
        var noNeighbourIds = new HashSet<long>();
        for (var j = 0; j < _logIds.Count; j++)
        {
            if (!_hasShingles[_trainingTokens.Count + j])
            {
                continue;
            }

            logsWithText++;
            _weeks[_logWeeks[j]].WithText++;
            if (logAlone[j])
            {
                logsWithout++;
                _weeks[_logWeeks[j]].WithoutNeighbour++;
                noNeighbourIds.Add(_logIds[j]);
            }
        }

        var logNoNeighbour = Share(logsWithout, logsWithText);
        var sortedTrainingTokens = _trainingTokens.ToArray();
        Array.Sort(sortedTrainingTokens);
        var tokens = Shift(sortedTrainingTokens, _logTokens.ToArray());
        var trainingChars = _trainingChars.ToArray();
        Array.Sort(trainingChars);
        var characters = Shift(trainingChars, _logChars.ToArray());
        var unseen = _logTerms.UnseenShare;
        var divergence = JensenShannon(_trainingTerms, _trainingTermTotal, _logTerms.Counts, _logTerms.Total);
        var (labels, labelShift) = LabelShift();

        var figures = new List<DriftFigure>
        {
            Figure("tokens.ks", "Input length shift (KS, tokens)", tokens.KsStatistic, threshold),
            Figure("terms.unseen", "Input terms unseen in training", unseen, threshold),
            Figure("terms.js", "Term divergence (Jensen-Shannon)", divergence, threshold),
            Figure("neighbours.excess", "Extra inputs with no near neighbour", Math.Max(0, logNoNeighbour - trainingNoNeighbour), threshold),
        };
        if (labelShift is { } shift)
        {
            figures.Insert(3, Figure("labels.tvd", "Label shift (total variation)", shift, threshold));
        }

        if (_logIds.Count == 0)
        {
            // Nothing logged: no figure means anything yet, so none can alert.
            figures = figures.Select(f => f with { Value = 0, Alert = false }).ToList();
        }

        var weeks = _weeks.OrderBy(w => w.Start).Select(w =>
        {
            var weekTokens = w.Tokens.ToArray();
            var ks = Ks(sortedTrainingTokens, Sorted(weekTokens));
            var js = JensenShannon(_trainingTerms, _trainingTermTotal, w.Terms.Counts, w.Terms.Total);
            var noNeighbour = Share(w.WithoutNeighbour, w.WithText);
            var judged = w.Tokens.Count >= _options.MinLogsPerAlertWeek;
            var alert = judged && (ks > threshold || w.Terms.UnseenShare > threshold || js > threshold || noNeighbour - trainingNoNeighbour > threshold);
            return new DriftWeek(w.Start, w.Tokens.Count, w.Tokens.Count == 0 ? 0 : w.Tokens.Average(), ks, w.Terms.UnseenShare, js, noNeighbour, alert)
            {
                Judged = judged,
            };
        }).ToList();

        return new DriftReport(_trainingTokens.Count, _logIds.Count, characters, tokens, unseen, divergence, labels, labelShift,
            logNoNeighbour, trainingNoNeighbour, threshold, figures, weeks, Clusters(logAlone, cancellationToken))
        {
            NoNeighbourLogIds = noNeighbourIds,
        };
    }

    /// <summary>Monday 00:00 UTC of the week holding <paramref name="at"/>.</summary>
    public static DateTime WeekStart(DateTime at)
    {
        var day = DateTime.SpecifyKind(at.Date, DateTimeKind.Utc);
        var sinceMonday = ((int)day.DayOfWeek + 6) % 7;
        return day.AddDays(-sinceMonday);
    }

    /// <summary>Jensen-Shannon divergence in bits (0 identical, 1 disjoint) between two term-count distributions.</summary>
    public static double JensenShannon(IReadOnlyDictionary<string, long> p, long pTotal, IReadOnlyDictionary<string, long> q, long qTotal)
    {
        if (pTotal == 0 || qTotal == 0)
        {
            return pTotal == qTotal ? 0 : 1;
        }

        double sum = 0;
        foreach (var (term, pc) in p)
        {
            var pp = (double)pc / pTotal;
            var qq = q.TryGetValue(term, out var qc) ? (double)qc / qTotal : 0;
            var m = (pp + qq) / 2;
            sum += pp * Math.Log2(pp / m);
            if (qq > 0)
            {
                sum += qq * Math.Log2(qq / m);
            }
        }

        foreach (var (term, qc) in q)
        {
            if (!p.ContainsKey(term))
            {
                // Present only in q: m = q/2, so the term adds q·log2(2) = q.
                sum += (double)qc / qTotal;
            }
        }

        return Math.Clamp(sum / 2, 0, 1);
    }

    /// <summary>Two-sample Kolmogorov-Smirnov statistic of two sorted samples.</summary>
    public static double Ks(int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return 0;
        }

        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] == x)
            {
                i++;
            }

            while (j < b.Length && b[j] == x)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }

        return d;
    }

    /// <summary>Count, mean, median (mean of the middle two for even counts) and 95th percentile (nearest rank) of a sorted sample.</summary>
    public static LengthStats Stats(int[] sorted)
    {
        if (sorted.Length == 0)
        {
            return new LengthStats(0, 0, 0, 0);
        }

        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        var rank = (int)Math.Ceiling(0.95 * n);
        return new LengthStats(n, sorted.Average(v => (double)v), median, sorted[Math.Max(0, rank - 1)]);
    }

    private static LengthShift Shift(int[] sortedTraining, int[] logs)
    {
        Array.Sort(logs);
        return new LengthShift(Stats(sortedTraining), Stats(logs), Ks(sortedTraining, logs));
    }

    private static int[] Sorted(int[] values)
    {
        Array.Sort(values);
        return values;
    }

    private (IReadOnlyList<LabelShare>, double?) LabelShift()
    {
        var trainingTotal = _trainingLabels.Values.Sum();
        var logTotal = _logLabels.Values.Sum();
        if (trainingTotal == 0 || logTotal == 0)
        {
            return ([], null);
        }

        var shares = _trainingLabels.Keys.Union(_logLabels.Keys).Order(StringComparer.Ordinal).Select(label =>
        {
            var t = _trainingLabels.GetValueOrDefault(label);
            var l = _logLabels.GetValueOrDefault(label);
            return new LabelShare(label, t, (double)t / trainingTotal, l, (double)l / logTotal);
        }).ToList();
        return (shares, shares.Sum(s => Math.Abs(s.TrainingShare - s.LogShare)) / 2);
    }

    /// <summary>
    /// Locality-sensitive hashing over the signatures: items sharing a whole band are candidates, checked
    /// with the signature estimate. Unlike duplicate grouping, neighbours are not joined transitively: an
    /// input counts as covered only when one training input itself is similar enough.
    /// </summary>
    private (bool[] TrainingAlone, bool[] LogAlone) FindNeighbours(CancellationToken cancellationToken)
    {
        var n = _signatures.Count;
        var t = _trainingTokens.Count;
        var trainingAlone = Enumerable.Repeat(true, t).ToArray();
        var logAlone = Enumerable.Repeat(true, n - t).ToArray();
        var rows = NearDuplicateFinder.RowsPerBand(_options.NeighbourSimilarity, _signatures.SignatureSize);
        var bands = _signatures.SignatureSize / rows;
        var members = Enumerable.Range(0, n).Where(i => _hasShingles[i]).ToArray();
        var keys = new (ulong Key, int Index)[members.Length];
        var trainingInBucket = new List<int>();
        var cap = _options.MaxComparisonsPerBucket;
        for (var band = 0; band < bands; band++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var m = 0; m < members.Length; m++)
            {
                keys[m] = (NearDuplicateFinder.BandKey(_signatures[members[m]], band, rows), members[m]);
            }

            // Training items sort before logs within a bucket (smaller index), so each bucket starts with its training members.
            Array.Sort(keys);
            var start = 0;
            for (var i = 1; i <= keys.Length; i++)
            {
                if (i < keys.Length && keys[i].Key == keys[start].Key)
                {
                    continue;
                }

                if (i - start > 1)
                {
                    trainingInBucket.Clear();
                    for (var k = start; k < i && keys[k].Index < t; k++)
                    {
                        trainingInBucket.Add(keys[k].Index);
                    }

                    for (var k = start; k < i; k++)
                    {
                        var item = keys[k].Index;
                        var isTraining = item < t;
                        if (isTraining ? !trainingAlone[item] : !logAlone[item - t])
                        {
                            continue;
                        }

                        var compared = 0;
                        foreach (var other in trainingInBucket)
                        {
                            if (other == item)
                            {
                                continue;
                            }

                            if (++compared > cap)
                            {
                                break;
                            }

                            if (_signatures.Similarity(item, other) >= _options.NeighbourSimilarity)
                            {
                                if (isTraining)
                                {
                                    trainingAlone[item] = false;
                                }
                                else
                                {
                                    logAlone[item - t] = false;
                                }

                                break;
                            }
                        }
                    }
                }

                start = i;
            }
        }

        return (trainingAlone, logAlone);
    }

    /// <summary>Groups of two or more logged inputs near each other that have no near neighbour in training, largest first.</summary>
    private List<DriftCluster> Clusters(bool[] logAlone, CancellationToken cancellationToken)
    {
        var t = _trainingTokens.Count;
        var groups = NearDuplicateFinder.FindGroups(_signatures, _options.NeighbourSimilarity,
            i => i >= t && _hasShingles[i] && logAlone[i - t], cancellationToken);
        return groups.OrderByDescending(g => g.Length).ThenBy(g => g[0]).Take(20)
            .Select((g, index) => new DriftCluster(index + 1, g.Length, g.Select(i => _logIds[i - t]).ToList()))
            .ToList();
    }

    private static DriftFigure Figure(string key, string name, double value, double threshold) => new(key, name, value, value > threshold);

    private static double Share(int part, int whole) => whole == 0 ? 0 : (double)part / whole;

    /// <summary>Stores the text's signature; false when it has no shingles to compare.</summary>
    private bool AddSignature(string text)
    {
        _scratch ??= new uint[_signatures.SignatureSize];
        var shingles = _hasher.Compute([text], _scratch);
        _signatures.Add(_scratch);
        return shingles > 0;
    }

    private sealed class WeekState(DateTime start)
    {
        public DateTime Start { get; } = start;
        public List<int> Tokens { get; } = [];
        public TermCounts Terms { get; } = new();
        public int WithText { get; set; }
        public int WithoutNeighbour { get; set; }
    }

    private sealed class TermCounts
    {
        public Dictionary<string, long> Counts { get; } = new(StringComparer.Ordinal);
        public long Total { get; private set; }
        public long Unseen { get; private set; }
        public double UnseenShare => Total == 0 ? 0 : (double)Unseen / Total;

        public void Add(ReadOnlySpan<char> term, bool seen)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(Counts.GetAlternateLookup<ReadOnlySpan<char>>(), term, out _)++;
            Total++;
            if (!seen)
            {
                Unseen++;
            }
        }
    }
}

/// <summary>Receives one term; the span is only valid during the call.</summary>
public delegate void TermVisitor(ReadOnlySpan<char> term);

/// <summary>Terms of a text: lower-cased runs of letters and digits, two characters or longer.</summary>
public static class Terms
{
    /// <summary>Calls <paramref name="visit"/> for each term, without allocating, and returns how many there were.</summary>
    public static int Visit(string text, TermVisitor visit)
    {
        var count = 0;
        var span = text.AsSpan();
        var i = 0;
        Span<char> buffer = stackalloc char[64];
        while (i < span.Length)
        {
            while (i < span.Length && !char.IsLetterOrDigit(span[i]))
            {
                i++;
            }

            var start = i;
            while (i < span.Length && char.IsLetterOrDigit(span[i]))
            {
                i++;
            }

            var length = i - start;
            if (length < 2)
            {
                continue;
            }

            // Very long runs (ids, hashes) are cut: they are rare and only need to differ.
            var word = span.Slice(start, Math.Min(length, buffer.Length));
            var lower = buffer[..word.Length];
            word.ToLowerInvariant(lower);
            visit(lower);
            count++;
        }

        return count;
    }

    public static IReadOnlyList<string> Of(string text)
    {
        var list = new List<string>();
        Visit(text, term => list.Add(term.ToString()));
        return list;
    }
}
