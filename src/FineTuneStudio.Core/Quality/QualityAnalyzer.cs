using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Runs every quality check over a stream of examples in one pass. Per example it keeps only ids,
/// 128-bit keys, a token count and a MinHash signature; the checks that need the whole dataset
/// (duplicates, conflicts, outliers, drift, leakage) run on that compact state at the end.
/// </summary>
public sealed class QualityAnalyzer
{
    public const int ProgressInterval = 1000;

    private readonly QualityOptions _options;

    public QualityAnalyzer(QualityOptions? options = null)
    {
        _options = options ?? new QualityOptions();
        if (_options.Thresholds.Problems() is { Count: > 0 } problems)
        {
            throw new StudioValidationException(problems);
        }
    }

    /// <summary>Analyses the examples; <paramref name="progress"/> receives the number processed so far.</summary>
    public async Task<QualityReport> AnalyzeAsync(IAsyncEnumerable<QualityInput> examples, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        (await AnalyzeWithIdsAsync(examples, progress, cancellationToken)).Report;

    /// <summary>The report and, per finding type, every affected example id (the report lists a capped number).</summary>
    public async Task<QualityAnalysis> AnalyzeWithIdsAsync(IAsyncEnumerable<QualityInput> examples, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var run = new Run(_options);
        var batch = new Batch(run, progress);
        await foreach (var example in examples.WithCancellation(cancellationToken))
        {
            batch.Add(example, cancellationToken);
        }

        batch.Flush(cancellationToken);
        progress?.Report(run.Seen);
        return new QualityAnalysis(run.Build(cancellationToken), run.AffectedIds());
    }

    public QualityReport Analyze(IEnumerable<QualityInput> examples, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var run = new Run(_options);
        var batch = new Batch(run, progress);
        foreach (var example in examples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(example, cancellationToken);
        }

        batch.Flush(cancellationToken);
        progress?.Report(run.Seen);
        return run.Build(cancellationToken);
    }

    /// <summary>Collects examples into batches, extracts each batch in parallel and folds it in order.</summary>
    private sealed class Batch(Run run, IProgress<int>? progress)
    {
        private const int Size = 512;
        private readonly QualityInput[] _inputs = new QualityInput[Size];
        private Features[]? _features;
        private int _count;

        public void Add(QualityInput input, CancellationToken cancellationToken)
        {
            _inputs[_count++] = input;
            if (_count == Size)
            {
                Flush(cancellationToken);
            }
        }

        public void Flush(CancellationToken cancellationToken)
        {
            if (_count == 0)
            {
                return;
            }

            _features ??= Enumerable.Range(0, Size).Select(_ => new Features(run.SignatureSize)).ToArray();
            run.Extract(_inputs, _count, _features, cancellationToken);
            for (var i = 0; i < _count; i++)
            {
                run.Fold(_inputs[i], _features[i]);
                _features[i].EvalMatches = null;
                if (run.Seen % ProgressInterval == 0)
                {
                    progress?.Report(run.Seen);
                }
            }

            Array.Clear(_inputs, 0, _count);
            _count = 0;
        }
    }

    /// <summary>Affected ids collected while streaming: a capped list for the report, and all of them for filtering.</summary>
    private sealed class Tally(int cap)
    {
        public List<int> Ids { get; } = [];
        public List<int> All { get; } = [];
        public int Count => All.Count;

        public void Add(int id)
        {
            All.Add(id);
            if (Ids.Count < cap)
            {
                Ids.Add(id);
            }
        }
    }

    private sealed class PromptWording(string preview, int signatureIndex)
    {
        public string Preview { get; } = preview;
        public int SignatureIndex { get; } = signatureIndex;
        public int Count { get; set; }
    }

    /// <summary>What one example contributes; reused from batch to batch.</summary>
    private sealed class Features(int signatureSize)
    {
        public bool Skip;
        public UInt128 ContentKey;
        public UInt128 InputKey;
        public UInt128 OutputKey;
        public UInt128 AnswerKey;
        public UInt128 PromptKey;
        public string Prompt = "";
        public int Tokens;
        public readonly uint[] Signature = new uint[signatureSize];
        public bool HasShingles;
        public bool EmptyTurn;
        public bool MissingAssistant;
        public PersonalDataKind[] Personal = [];
        public List<int>? EvalMatches;
    }

    private sealed class Run
    {
        private const int PreviewLength = 300;
        private static readonly UInt128 NoKey = UInt128.Zero;
        private static readonly string[] RatingCategories = ["1", "2", "3", "4", "5"];

        private readonly QualityOptions _options;
        private readonly MinHasher _hasher;
        private readonly Func<ExampleContent, int> _countTokens;

        private readonly List<int> _ids = [];
        private readonly List<SplitPin> _splits = [];
        private readonly List<UInt128> _contentKeys = [];
        private readonly List<UInt128> _inputKeys = [];
        private readonly List<UInt128> _outputKeys = [];
        private readonly List<UInt128> _answerKeys = [];
        private readonly List<int> _promptIndex = [];
        private readonly List<int> _tokens = [];
        private readonly List<bool> _hasShingles = [];
        private readonly SignatureStore _signatures;

        private readonly Dictionary<UInt128, int> _promptByKey = [];
        private readonly List<PromptWording> _prompts = [];
        private readonly SignatureStore _promptSignatures;

        private readonly Dictionary<PersonalDataKind, Tally> _personal = [];
        private readonly Tally _emptyTurns;
        private readonly Tally _missingAssistant;
        private readonly Tally _overLimit;
        private readonly Tally _missingLabel;
        private readonly Tally _unknownLabel;
        private readonly Tally _evalLeaks;
        private readonly List<IReadOnlyList<int>> _evalLeakGroups = [];
        private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
        private readonly HashSet<string>? _labelSet;
        private int _unlabeled;

        private readonly EvalIndex? _eval;
        private readonly Dictionary<FindingType, List<int>> _affected = [];

        public Run(QualityOptions options)
        {
            _options = options;
            _hasher = new MinHasher(options.Thresholds.ShingleSize);
            _signatures = new SignatureStore(_hasher.SignatureSize);
            _promptSignatures = new SignatureStore(_hasher.SignatureSize);
            _countTokens = options.CountTokens ?? CountWords;
            var cap = options.MaxListedIds;
            _emptyTurns = new Tally(cap);
            _missingAssistant = new Tally(cap);
            _overLimit = new Tally(cap);
            _missingLabel = new Tally(cap);
            _unknownLabel = new Tally(cap);
            _evalLeaks = new Tally(cap);
            _labelSet = options.LabelSet is { Count: > 0 } set ? set.ToHashSet(StringComparer.Ordinal) : null;
            if (options.EvalInputs is { Count: > 0 } eval)
            {
                _eval = new EvalIndex(eval, _hasher, options.Thresholds.NearDuplicateThreshold);
            }
        }

        public int SignatureSize => _hasher.SignatureSize;

        public int Seen { get; private set; }
        public int Skipped { get; private set; }

        /// <summary>
        /// The per-example work (hashing, token counting, MinHash, personal data, eval matching) for a
        /// batch, spread over the cores; it reads no shared mutable state. <see cref="Fold"/> then adds
        /// the results in stream order, so the report is the same as from a single thread.
        /// </summary>
        public void Extract(QualityInput[] inputs, int count, Features[] features, CancellationToken cancellationToken)
        {
            if (count == 1 || Environment.ProcessorCount == 1)
            {
                for (var i = 0; i < count; i++)
                {
                    Extract(inputs[i], features[i]);
                }

                return;
            }

            try
            {
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i => Extract(inputs[i], features[i]));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                // Callers see the error itself (a validation error, say), as they would without the parallel loop.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }

        private void Extract(QualityInput input, Features f)
        {
            f.Skip = input.Status == ExampleStatus.Rejected && !_options.IncludeRejected;
            if (f.Skip)
            {
                return;
            }

            var content = input.Content;
            var t = Start();
            f.ContentKey = FromHex(input.ContentHash is { Length: 64 } stored ? stored : content.ComputeHash());

            var messages = content.Messages;
            var lastAssistant = -1;
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i].Role == MessageRole.Assistant)
                {
                    lastAssistant = i;
                }
            }

            // The input is everything the model sees before its final answer; the output is that
            // answer with the label, so "same input, different output" is a contradiction to resolve.
            f.InputKey = lastAssistant >= 0 ? KeyOf(messages.Take(lastAssistant).Select(m => m.Content), loose: true)
                : KeyOf(messages.Select(m => m.Content), loose: true);
            var answer = lastAssistant >= 0 ? messages[lastAssistant].Content : content.PreferredCompletion;
            var hasOutput = !string.IsNullOrWhiteSpace(answer) || !string.IsNullOrWhiteSpace(content.Label);
            f.OutputKey = hasOutput ? KeyOf([answer, "\u001elabel:", content.Label], loose: true) : NoKey;
            var answerIsLabel = content.Label is not null && string.Equals(ExampleContent.Normalize(answer), ExampleContent.Normalize(content.Label), StringComparison.OrdinalIgnoreCase);
            f.AnswerKey = string.IsNullOrWhiteSpace(answer) || answerIsLabel ? NoKey : KeyOf([answer], loose: false);
            f.Prompt = ExampleContent.Normalize(content.SystemPrompt);
            f.PromptKey = KeyOf([f.Prompt], loose: false);
            t = Done("keys (duplicates, conflicts, prompts, answers)", t);

            f.Tokens = _countTokens(content);
            t = Done("token counting", t);

            f.HasShingles = _hasher.Compute(BodyTexts(content), f.Signature) > 0;
            t = Done("MinHash signatures", t);

            f.EmptyTurn = false;
            foreach (var m in messages)
            {
                if (string.IsNullOrWhiteSpace(m.Content) && string.IsNullOrWhiteSpace(m.ToolCallsJson))
                {
                    f.EmptyTurn = true;
                    break;
                }
            }

            f.MissingAssistant = lastAssistant < 0 && string.IsNullOrWhiteSpace(content.PreferredCompletion) && string.IsNullOrWhiteSpace(content.Label);
            t = Done("turns", t);

            f.Personal = PersonalDataIn(content);
            t = Done("personal data", t);

            if (_eval is not null)
            {
                f.EvalMatches = _eval.Match(content);
                Done("eval leakage (matching)", t);
            }
        }

        /// <summary>Adds one example's extracted features to the run; called in stream order.</summary>
        public void Fold(QualityInput input, Features f)
        {
            Seen++;
            if (f.Skip)
            {
                Skipped++;
                return;
            }

            var id = input.ExampleId;
            _ids.Add(id);
            _splits.Add(input.Split);
            _contentKeys.Add(f.ContentKey);
            _inputKeys.Add(f.InputKey);
            _outputKeys.Add(f.OutputKey);
            _answerKeys.Add(f.AnswerKey);
            AddPrompt(f.Prompt, f.PromptKey);

            _tokens.Add(f.Tokens);
            if (_options.MaxTokensPerExample is { } limit && f.Tokens > limit)
            {
                _overLimit.Add(id);
            }

            _signatures.Add(f.Signature);
            _hasShingles.Add(f.HasShingles);

            if (f.EmptyTurn)
            {
                _emptyTurns.Add(id);
            }

            if (f.MissingAssistant)
            {
                _missingAssistant.Add(id);
            }

            foreach (var kind in f.Personal)
            {
                if (!_personal.TryGetValue(kind, out var tally))
                {
                    _personal[kind] = tally = new Tally(_options.MaxListedIds);
                }

                tally.Add(id);
            }

            CheckLabel(input.Content.Label, id);

            if (f.EvalMatches is { Count: > 0 } matches)
            {
                _evalLeaks.Add(id);
                if (_evalLeakGroups.Count < _options.MaxListedGroups)
                {
                    _evalLeakGroups.Add([id, .. matches]);
                }
            }
        }

        private long Start() => _options.Timings is null ? 0 : Stopwatch.GetTimestamp();

        /// <summary>Records the step's time when timings are collected; returns the start of the next step.</summary>
        private long Done(string step, long start)
        {
            if (_options.Timings is not { } timings)
            {
                return 0;
            }

            timings.Add(step, start);
            return Stopwatch.GetTimestamp();
        }

        public QualityReport Build(CancellationToken cancellationToken)
        {
            var findings = new List<QualityFinding>();
            var n = _ids.Count;

            var t = Start();
            var exactGroups = GroupBy(_contentKeys, _ => true);
            AddGroupFinding(findings, FindingType.ExactDuplicate, FindingSeverity.Warning, "Exact duplicates",
                "These examples have the same content once white space is normalised; keep one of each group.", exactGroups, countAllButFirst: true);

            t = Done("exact duplicates (grouping)", t);
            cancellationToken.ThrowIfCancellationRequested();
            var duplicateOfEarlier = new bool[n];
            foreach (var g in exactGroups)
            {
                foreach (var i in g.Skip(1))
                {
                    duplicateOfEarlier[i] = true;
                }
            }

            var nearGroups = NearDuplicateFinder.FindGroups(_signatures, _options.Thresholds.NearDuplicateThreshold, i => _hasShingles[i] && !duplicateOfEarlier[i], cancellationToken);
            AddGroupFinding(findings, FindingType.NearDuplicate, FindingSeverity.Warning, "Near duplicates",
                $"These examples share at least {_options.Thresholds.NearDuplicateThreshold:P0} of their word sequences (estimated); they add little and can skew training.", nearGroups, countAllButFirst: false);

            t = Done("near duplicates (LSH)", t);
            cancellationToken.ThrowIfCancellationRequested();
            var conflicts = GroupBy(_inputKeys, i => _outputKeys[i] != NoKey)
                .Where(g => g.Select(i => _outputKeys[i]).Distinct().Skip(1).Any()).ToList();
            AddGroupFinding(findings, FindingType.ConflictingAnswers, FindingSeverity.Error, "Conflicting answers",
                "The same input (ignoring case, punctuation and spacing) has different answers or labels; decide which one is right.", conflicts, countAllButFirst: false);

            t = Done("conflicting answers (grouping)", t);
            var variants = AddPromptFindings(findings);
            t = Done("system-prompt drift (clustering)", t);

            AddTally(findings, FindingType.EmptyTurn, FindingSeverity.Error, "Empty turns", "A message has no text (and no tool call).", _emptyTurns);
            AddTally(findings, FindingType.MissingAssistantTurn, FindingSeverity.Error, "No assistant answer", "There is no assistant turn, preferred completion or label to learn from.", _missingAssistant);
            foreach (var (kind, tally) in _personal.OrderBy(p => p.Key))
            {
                AddTally(findings, FindingType.PersonalData, FindingSeverity.Error, $"Possible personal data: {Describe(kind)}",
                    "Remove or mask it before training unless you are sure it may be used.", tally, kind);
            }

            t = Start();
            var tokens = AddLengthFindings(findings, out var histogram);
            if (_options.MaxTokensPerExample is { } limit)
            {
                AddTally(findings, FindingType.OverTokenLimit, FindingSeverity.Error, "Over the token limit",
                    $"Longer than {limit:N0} tokens; the provider will drop or truncate these.", _overLimit);
            }

            var balance = LabelBalanceOf();
            AddLabelFindings(findings, balance);
            AddOverRepresentedAnswers(findings);
            t = Done("outliers, labels, answers (statistics)", t);

            cancellationToken.ThrowIfCancellationRequested();
            AddSplitLeakage(findings, exactGroups, nearGroups);
            t = Done("split leakage (grouping)", t);
            AddTally(findings, FindingType.EvalLeakage, FindingSeverity.Error, "Evaluation inputs in the training data",
                "These examples repeat (or nearly repeat) an input of the evaluation set, which would inflate its scores. A cut leaves out those an item was made from or asks word for word; near repeats stay in until they are edited or rejected.", _evalLeaks, groups: _evalLeakGroups);

            t = Start();
            AgreementSummary? agreement = null;
            if (_options.Ratings is { Count: > 0 } ratings)
            {
                agreement = _options.OrderedRatingCategories is { } ordered
                    ? AgreementCalculator.Summarize(ratings, ordered, MeasurementLevel.Ordinal, KappaWeighting.Quadratic)
                    : AgreementCalculator.Summarize(ratings);
                if (agreement.KrippendorffAlpha is { } alpha && alpha < _options.Thresholds.LowAgreementAlpha)
                {
                    findings.Add(new QualityFinding(FindingType.LowAgreement, FindingSeverity.Warning, "Labelers often disagree",
                        $"Krippendorff's alpha is {alpha:0.000}, below the {_options.Thresholds.LowAgreementAlpha:0.000} set as the lowest acceptable; review the guidelines and the disagreements.",
                        agreement.Items, []));
                }
            }

            // Ratings 1-5 are ordered: a 4 against a 5 is a smaller disagreement than a 1 against a 5.
            var ratingAgreement = _options.QualityRatings is { Count: > 0 } scores
                ? AgreementCalculator.Summarize(scores, RatingCategories, MeasurementLevel.Ordinal, KappaWeighting.Quadratic)
                : null;
            Done("agreement", t);
            return new QualityReport(n, Skipped, findings, balance, tokens, histogram, variants, agreement, _options.Thresholds, ratingAgreement);
        }

        private void AddPrompt(string normalized, UInt128 key)
        {
            if (!_promptByKey.TryGetValue(key, out var index))
            {
                index = _prompts.Count;
                _promptByKey[key] = index;
                Span<uint> signature = stackalloc uint[_hasher.SignatureSize];
                _hasher.Compute([normalized], signature);
                _promptSignatures.Add(signature);
                _prompts.Add(new PromptWording(normalized.Length > PreviewLength ? normalized[..PreviewLength] + "…" : normalized, index));
            }

            _prompts[index].Count++;
            _promptIndex.Add(index);
        }

        private static PersonalDataKind[] PersonalDataIn(ExampleContent content)
        {
            HashSet<PersonalDataKind>? found = null;
            foreach (var text in content.Messages.Select(m => m.Content).Append(content.PreferredCompletion).Append(content.RejectedCompletion))
            {
                foreach (var match in PersonalDataDetector.Find(text))
                {
                    (found ??= []).Add(match.Kind);
                }
            }

            return found is null ? [] : [.. found];
        }

        private void CheckLabel(string? label, int id)
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                _unlabeled++;
                if (_labelSet is not null)
                {
                    _missingLabel.Add(id);
                }

                return;
            }

            var key = label.Trim();
            _labels[key] = _labels.GetValueOrDefault(key) + 1;
            if (_labelSet is not null && !_labelSet.Contains(key))
            {
                _unknownLabel.Add(id);
            }
        }

        private IReadOnlyList<PromptVariant> AddPromptFindings(List<QualityFinding> findings)
        {
            var n = _ids.Count;
            if (n == 0)
            {
                return [];
            }

            var canonicalText = _options.CanonicalSystemPrompt is { } given
                ? ExampleContent.Normalize(given)
                : _prompts.MaxBy(p => p.Count)!.Preview;
            var canonical = _options.CanonicalSystemPrompt is not null
                ? _promptByKey.GetValueOrDefault(KeyOf([canonicalText], loose: false), -1)
                : _prompts.IndexOf(_prompts.MaxBy(p => p.Count)!);

            // Wordings are clustered like near-duplicate examples, so "Be concise." and "Be concise!"
            // show as one family with two wordings.
            var groups = NearDuplicateFinder.FindGroups(_promptSignatures, _options.Thresholds.NearDuplicateThreshold, i => _prompts[i].Preview.Length > 0);
            var family = Enumerable.Range(0, _prompts.Count).ToArray();
            foreach (var g in groups)
            {
                foreach (var i in g)
                {
                    family[i] = g[0];
                }
            }

            var idsByFamily = new Dictionary<int, List<int>>();
            var drift = new Tally(_options.MaxListedIds);
            var missing = new Tally(_options.MaxListedIds);
            for (var i = 0; i < n; i++)
            {
                var p = _promptIndex[i];
                var f = family[p];
                if (!idsByFamily.TryGetValue(f, out var list))
                {
                    idsByFamily[f] = list = [];
                }

                if (list.Count < _options.MaxListedIds)
                {
                    list.Add(_ids[i]);
                }

                if (p != canonical && canonicalText.Length > 0)
                {
                    (_prompts[p].Preview.Length == 0 ? missing : drift).Add(_ids[i]);
                }
            }

            var variants = Enumerable.Range(0, _prompts.Count).GroupBy(i => family[i])
                .Select(g =>
                {
                    var members = g.ToList();
                    var top = members.MaxBy(i => _prompts[i].Count);
                    var count = members.Sum(i => _prompts[i].Count);
                    return new PromptVariant(_prompts[top].Preview, count, (double)count / n, members.Count,
                        members.Contains(canonical), idsByFamily.GetValueOrDefault(g.Key) ?? []);
                })
                .OrderByDescending(v => v.IsCanonical).ThenByDescending(v => v.Examples)
                .Take(_options.MaxListedGroups)
                .ToList();

            AddTally(findings, FindingType.SystemPromptDrift, FindingSeverity.Warning, "System prompt differs from the canonical one",
                $"{_prompts.Count(p => p.Preview.Length > 0)} distinct system prompt wordings in {variants.Count(v => v.Text.Length > 0)} families; train with the prompt you will use in production.", drift);
            AddTally(findings, FindingType.MissingSystemPrompt, FindingSeverity.Warning, "No system prompt",
                "These examples have no system prompt while the dataset's canonical prompt is set.", missing);
            return variants;
        }

        private TokenStatistics? AddLengthFindings(List<QualityFinding> findings, out IReadOnlyList<LengthBucket> histogram)
        {
            var n = _tokens.Count;
            histogram = [];
            if (n == 0)
            {
                return null;
            }

            var sorted = _tokens.ToArray();
            Array.Sort(sorted);
            var median = RobustStatistics.Median(sorted);
            var mad = RobustStatistics.MedianAbsoluteDeviation(sorted, median);
            var total = 0L;
            foreach (var t in sorted)
            {
                total += t;
            }

            // Modified z-score: 0.6745 (x - median) / MAD. With MAD 0 (over half the lengths identical)
            // the scaled mean absolute deviation stands in, so the score stays defined.
            var spread = mad > 0 ? mad / 0.6745 : 1.253314 * _tokens.Average(t => Math.Abs(t - median));
            var longOnes = new Tally(_options.MaxListedIds);
            var shortOnes = new Tally(_options.MaxListedIds);
            if (spread > 0)
            {
                for (var i = 0; i < n; i++)
                {
                    var score = (_tokens[i] - median) / spread;
                    if (score > _options.Thresholds.OutlierScore)
                    {
                        longOnes.Add(_ids[i]);
                    }
                    else if (score < -_options.Thresholds.OutlierScore)
                    {
                        shortOnes.Add(_ids[i]);
                    }
                }
            }

            AddTally(findings, FindingType.LongOutlier, FindingSeverity.Info, "Unusually long examples",
                $"Far above the median of {median:0.#} tokens; check for pasted logs or several tasks in one example.", longOnes);
            AddTally(findings, FindingType.ShortOutlier, FindingSeverity.Info, "Unusually short examples",
                $"Far below the median of {median:0.#} tokens; check for truncated or placeholder answers.", shortOnes);

            histogram = RobustStatistics.PowerOfTwoHistogram(sorted);
            return new TokenStatistics(n, total, sorted[0], sorted[^1], (double)total / n, median, mad);
        }

        private LabelBalance LabelBalanceOf()
        {
            var labeled = _labels.Values.Sum();
            var counts = _labels.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new LabelCount(p.Key, p.Value, (double)p.Value / labeled)).ToList();
            if (_labelSet is not null)
            {
                counts.AddRange(_labelSet.Where(l => !_labels.ContainsKey(l)).Order(StringComparer.Ordinal).Select(l => new LabelCount(l, 0, 0)));
            }

            // The ratio is over labels in use; labels with no examples are reported on their own.
            var used = counts.Where(c => c.Count > 0).ToList();
            double? ratio = used.Count >= 2 ? (double)used[0].Count / used[^1].Count : null;
            return new LabelBalance(counts, _unlabeled, ratio);
        }

        private void AddLabelFindings(List<QualityFinding> findings, LabelBalance balance)
        {
            var unused = balance.Labels.Where(l => l.Count == 0).Select(l => l.Label).ToList();
            if (balance.Labels.Count >= 2 && (unused.Count > 0 || balance.ImbalanceRatio > _options.Thresholds.ImbalanceRatio))
            {
                var detail = unused.Count > 0
                    ? $"No examples for {string.Join(", ", unused.Select(l => $"\"{l}\""))}."
                    : $"The most common label has {balance.ImbalanceRatio:0.#} times as many examples as the rarest; add examples of the rare labels.";
                findings.Add(new QualityFinding(FindingType.LabelImbalance, FindingSeverity.Warning, "Labels are unbalanced", detail,
                    balance.Labels.Sum(l => l.Count), []));
            }

            AddTally(findings, FindingType.MissingLabel, FindingSeverity.Error, "No label", "The dataset has a label set, but these examples have no label.", _missingLabel);
            AddTally(findings, FindingType.UnknownLabel, FindingSeverity.Error, "Label not in the label set", "Fix the label or add it to the dataset's label set.", _unknownLabel);
        }

        private void AddOverRepresentedAnswers(List<QualityFinding> findings)
        {
            var n = _ids.Count;
            var groups = GroupBy(_answerKeys, i => _answerKeys[i] != NoKey)
                .Where(g => g.Length >= _options.Thresholds.OverRepresentedAnswerMinCount && (double)g.Length / n >= _options.Thresholds.OverRepresentedAnswerShare)
                .OrderByDescending(g => g.Length).ToList();
            if (groups.Count == 0)
            {
                return;
            }

            var top = (double)groups[0].Length / n;
            AddGroupFinding(findings, FindingType.OverRepresentedAnswer, FindingSeverity.Warning, "One answer dominates",
                $"{groups.Count} answer text(s) each make up at least {_options.Thresholds.OverRepresentedAnswerShare:P0} of the examples (the largest {top:P1}); the model may learn to give it regardless of input.",
                groups, countAllButFirst: false);
        }

        private void AddSplitLeakage(List<QualityFinding> findings, IReadOnlyList<int[]> exactGroups, IReadOnlyList<int[]> nearGroups)
        {
            // Same input counts too: a test question seen in training with any answer inflates scores.
            var sameInput = GroupBy(_inputKeys, i => _inputKeys[i] != NoKey);
            var leaking = exactGroups.Concat(nearGroups).Concat(sameInput)
                .Where(g => g.Select(i => _splits[i]).Where(s => s != SplitPin.Auto).Distinct().Skip(1).Any())
                .ToList();
            var affected = new HashSet<int>();
            var groups = new List<int[]>();
            var seenGroups = new HashSet<string>();
            foreach (var g in leaking)
            {
                var pinned = g.Where(i => _splits[i] != SplitPin.Auto).ToArray();
                if (seenGroups.Add(string.Join(',', pinned)))
                {
                    groups.Add(pinned);
                }

                affected.UnionWith(pinned);
            }

            if (affected.Count == 0)
            {
                return;
            }

            var ids = affected.Order().Select(i => _ids[i]).ToList();
            Affect(FindingType.SplitLeakage, ids);
            findings.Add(new QualityFinding(FindingType.SplitLeakage, FindingSeverity.Error, "The same example is in more than one split",
                "Duplicates or near duplicates sit in train and in validation or test; evaluation on them overstates quality.",
                ids.Count, ids.Take(_options.MaxListedIds).ToList(),
                groups.Take(_options.MaxListedGroups).Select(g => (IReadOnlyList<int>)g.Select(i => _ids[i]).ToList()).ToList(), groups.Count));
        }

        private void AddGroupFinding(List<QualityFinding> findings, FindingType type, FindingSeverity severity, string title, string detail, IReadOnlyList<int[]> groups, bool countAllButFirst)
        {
            if (groups.Count == 0)
            {
                return;
            }

            var count = groups.Sum(g => countAllButFirst ? g.Length - 1 : g.Length);
            Affect(type, groups.SelectMany(g => g).Select(i => _ids[i]));
            var ids = groups.SelectMany(g => g).Take(_options.MaxListedIds).Select(i => _ids[i]).ToList();
            var listed = groups.Take(_options.MaxListedGroups)
                .Select(g => (IReadOnlyList<int>)g.Take(_options.MaxListedIds).Select(i => _ids[i]).ToList()).ToList();
            findings.Add(new QualityFinding(type, severity, title, detail, count, ids, listed, groups.Count));
        }

        /// <summary>Every affected example id per finding type, sorted, for the "has quality findings" filter.</summary>
        public IReadOnlyDictionary<FindingType, int[]> AffectedIds() =>
            _affected.ToDictionary(p => p.Key, p => p.Value.Distinct().Order().ToArray());

        private void Affect(FindingType type, IEnumerable<int> exampleIds)
        {
            if (!_affected.TryGetValue(type, out var list))
            {
                _affected[type] = list = [];
            }

            list.AddRange(exampleIds);
        }

        private void AddTally(List<QualityFinding> findings, FindingType type, FindingSeverity severity, string title, string detail, Tally tally,
            PersonalDataKind? kind = null, IReadOnlyList<IReadOnlyList<int>>? groups = null)
        {
            if (tally.Count > 0)
            {
                Affect(type, tally.All);
                findings.Add(new QualityFinding(type, severity, title, detail, tally.Count, tally.Ids, groups, groups?.Count, kind));
            }
        }

        /// <summary>Indices grouped by equal key (groups of two or more), found by sorting rather than a dictionary of lists.</summary>
        private List<int[]> GroupBy(List<UInt128> keys, Func<int, bool> include)
        {
            var order = Enumerable.Range(0, keys.Count).Where(include).ToArray();
            var sortKeys = order.Select(i => keys[i]).ToArray();
            Array.Sort(sortKeys, order);
            var groups = new List<int[]>();
            var start = 0;
            for (var i = 1; i <= order.Length; i++)
            {
                if (i < order.Length && sortKeys[i] == sortKeys[start])
                {
                    continue;
                }

                if (i - start > 1)
                {
                    var g = order[start..i];
                    Array.Sort(g);
                    groups.Add(g);
                }

                start = i;
            }

            groups.Sort((a, b) => a[0].CompareTo(b[0]));
            return groups;
        }

        private static IEnumerable<string?> BodyTexts(ExampleContent content)
        {
            // The system prompt is usually shared by every example; including it would make all short
            // examples look alike.
            foreach (var m in content.Messages)
            {
                if (m.Role != MessageRole.System)
                {
                    yield return m.Content;
                }
            }

            yield return content.PreferredCompletion;
            yield return content.RejectedCompletion;
        }

        private static string Describe(PersonalDataKind kind) => kind switch
        {
            PersonalDataKind.Email => "e-mail addresses",
            PersonalDataKind.Phone => "phone numbers",
            PersonalDataKind.PaymentCard => "payment card numbers",
            PersonalDataKind.Iban => "bank account numbers (IBAN)",
            _ => "IP addresses",
        };
    }

    /// <summary>White-space separated words: a stand-in until a real tokenizer is plugged in.</summary>
    public static int CountWords(ExampleContent content)
    {
        var words = 0;
        foreach (var text in content.Messages.Select(m => m.Content).Append(content.PreferredCompletion).Append(content.RejectedCompletion))
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            var inWord = false;
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c))
                {
                    inWord = false;
                }
                else if (!inWord)
                {
                    inWord = true;
                    words++;
                }
            }
        }

        return words;
    }

    /// <summary>
    /// A 128-bit key of the texts. Loose keys keep only lower-cased letters and digits, so inputs
    /// that differ in case, punctuation or spacing get the same key.
    /// </summary>
    internal static UInt128 KeyOf(IEnumerable<string?> texts, bool loose)
    {
        var text = new StringBuilder();
        foreach (var t in texts)
        {
            if (loose)
            {
                var space = false;
                foreach (var c in t ?? "")
                {
                    if (char.IsLetterOrDigit(c))
                    {
                        if (space && text.Length > 0)
                        {
                            text.Append(' ');
                        }

                        text.Append(char.ToLowerInvariant(c));
                        space = false;
                    }
                    else
                    {
                        space = true;
                    }
                }
            }
            else
            {
                text.Append(ExampleContent.Normalize(t));
            }

            text.Append('\u001e');
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        var key = BinaryPrimitives.ReadUInt128LittleEndian(hash);
        // Zero is reserved for "no key".
        return key == UInt128.Zero ? UInt128.One : key;
    }

    private static UInt128 FromHex(string hex)
    {
        Span<byte> bytes = stackalloc byte[16];
        Convert.FromHexString(hex.AsSpan(0, 32), bytes, out _, out _);
        return BinaryPrimitives.ReadUInt128LittleEndian(bytes);
    }

    /// <summary>The evaluation inputs, indexed for exact and near matching against example inputs.</summary>
    private sealed class EvalIndex
    {
        private readonly MinHasher _hasher;
        private readonly double _threshold;
        private readonly int _rows;
        private readonly Dictionary<UInt128, List<int>> _exact = [];
        private readonly Dictionary<(int Band, ulong Key), List<int>> _bands = [];
        // Eval sets are small: their signatures keep the full values.
        private readonly List<uint[]> _signatures = [];
        private readonly List<int> _ids = [];

        public EvalIndex(IReadOnlyList<EvalInput> items, MinHasher hasher, double threshold)
        {
            _hasher = hasher;
            _threshold = threshold;
            _rows = NearDuplicateFinder.RowsPerBand(threshold, hasher.SignatureSize);
            foreach (var item in items)
            {
                var index = _ids.Count;
                _ids.Add(item.EvalItemId);
                var key = KeyOf([item.Input], loose: true);
                if (!_exact.TryGetValue(key, out var list))
                {
                    _exact[key] = list = [];
                }

                list.Add(index);
                var signature = new uint[hasher.SignatureSize];
                _signatures.Add(signature);
                if (hasher.Compute([item.Input], signature) == 0)
                {
                    continue;
                }

                for (var band = 0; band < hasher.SignatureSize / _rows; band++)
                {
                    var bandKey = (band, BandKey(signature, band));
                    if (!_bands.TryGetValue(bandKey, out var members))
                    {
                        _bands[bandKey] = members = [];
                    }

                    members.Add(index);
                }
            }
        }

        /// <summary>Eval item ids whose input matches the example's user turns.</summary>
        public List<int> Match(ExampleContent content)
        {
            var userTexts = content.Messages.Where(m => m.Role == MessageRole.User).Select(m => m.Content).ToList();
            var found = new SortedSet<int>();
            if (_exact.TryGetValue(KeyOf(userTexts, loose: true), out var exact))
            {
                found.UnionWith(exact);
            }

            Span<uint> signature = stackalloc uint[_hasher.SignatureSize];
            if (_hasher.Compute(userTexts, signature) > 0)
            {
                for (var band = 0; band < _hasher.SignatureSize / _rows; band++)
                {
                    if (_bands.TryGetValue((band, BandKey(signature, band)), out var members))
                    {
                        foreach (var m in members)
                        {
                            if (!found.Contains(m) && MinHasher.Similarity(signature, _signatures[m]) >= _threshold)
                            {
                                found.Add(m);
                            }
                        }
                    }
                }
            }

            return found.Select(i => _ids[i]).ToList();
        }

        private ulong BandKey(ReadOnlySpan<uint> signature, int band)
        {
            var key = 14695981039346656037ul;
            foreach (var v in signature.Slice(band * _rows, _rows))
            {
                key = (key ^ v) * 1099511628211ul;
            }

            return key;
        }
    }
}
