using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Synthetic examples for load tests and benchmarks: made-up words, so no real text and no personal
/// data. Every example is rebuilt from its id, so nothing is held in memory while streaming.
/// </summary>
public static class QualitySampleGenerator
{
    public const string SystemPrompt = "You sort support tickets for a small online shop and answer briefly.";

    private static readonly string[] Labels = ["billing", "delivery", "returns", "account"];
    private static readonly Lazy<string[]> Vocabulary = new(BuildVocabulary);

    /// <summary>
    /// <paramref name="count"/> unrelated examples with ids 1..count, then one near copy (one word of
    /// the answer changed) for each planted pair, with ids count+1 onwards.
    /// </summary>
    public static IEnumerable<QualityInput> Generate(int count, int nearDuplicatePairs = 0, int seed = 7)
    {
        for (var id = 1; id <= count; id++)
        {
            yield return Build(id, id, seed, changeWord: false);
        }

        foreach (var (original, copy) in PlantedPairs(count, nearDuplicatePairs))
        {
            yield return Build(copy, original, seed, changeWord: true);
        }
    }

    /// <summary>The (original id, copy id) pairs that <see cref="Generate"/> plants.</summary>
    public static IReadOnlyList<(int Original, int Copy)> PlantedPairs(int count, int nearDuplicatePairs)
    {
        if (nearDuplicatePairs > count)
        {
            throw new StudioValidationException("nearDuplicatePairs", "There cannot be more planted pairs than examples.");
        }

        var step = nearDuplicatePairs == 0 ? 1 : count / nearDuplicatePairs;
        return Enumerable.Range(0, nearDuplicatePairs).Select(k => (k * step + 1, count + k + 1)).ToList();
    }

    /// <summary>Runs the analyzer on generated examples: the entry point for timing at 100,000.</summary>
    public static QualityReport AnalyzeGenerated(int count, int nearDuplicatePairs = 0, QualityOptions? options = null, CancellationToken cancellationToken = default) =>
        new QualityAnalyzer(options).Analyze(Generate(count, nearDuplicatePairs), cancellationToken: cancellationToken);

    private static QualityInput Build(int id, int textId, int seed, bool changeWord)
    {
        // A distinct seed per text: HashCode.Combine is salted per process, so it made the data differ from
        // run to run, and at 100,000 texts two of them would share a seed about once per run (an exact duplicate).
        var random = new Random(unchecked((seed * 1_000_003) + textId));
        var words = Vocabulary.Value;
        var question = Sentence(random, words, random.Next(20, 41));
        var answer = Sentence(random, words, random.Next(40, 101));
        if (changeWord)
        {
            var parts = answer.Split(' ');
            parts[parts.Length / 2] = "altered";
            answer = string.Join(' ', parts);
        }

        var split = (textId % 10) switch { 0 => SplitPin.Test, 1 => SplitPin.Validation, _ => SplitPin.Train };
        var content = new ExampleContent(
            [
                new MessageContent(MessageRole.System, SystemPrompt),
                new MessageContent(MessageRole.User, question),
                new MessageContent(MessageRole.Assistant, answer),
            ],
            Labels[random.Next(Labels.Length)]);
        return new QualityInput(id, content, ExampleStatus.Approved, changeWord ? SplitPin.Auto : split);
    }

    private static string Sentence(Random random, string[] words, int length)
    {
        var text = new StringBuilder(length * 8);
        for (var i = 0; i < length; i++)
        {
            if (i > 0)
            {
                text.Append(' ');
            }

            text.Append(words[random.Next(words.Length)]);
        }

        return text.ToString();
    }

    private static string[] BuildVocabulary()
    {
        const string consonants = "bdfgklmnprstvz";
        const string vowels = "aeiou";
        var words = new List<string>();
        foreach (var a in consonants)
        {
            foreach (var b in vowels)
            {
                foreach (var c in consonants)
                {
                    foreach (var d in vowels)
                    {
                        words.Add(new string([a, b, c, d]));
                    }
                }
            }
        }

        return [.. words];
    }
}
