using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Imports;

/// <summary>What an annotation tool's export gives: the turns, and a label and tags read from its annotations.</summary>
internal readonly record struct AnnotatedContent(ExampleContent Content, string? Label, List<string> Tags);

/// <summary>The errors (which keep a record out) and warnings (which do not) found while mapping one record.</summary>
internal sealed class RecordIssues(int line)
{
    public int Line { get; } = line;

    public List<InputError> List { get; } = [];

    public List<InputError> Warnings { get; } = [];

    public void Add(string field, string message) => List.Add(new InputError(field, message, Line));

    public void Warn(string field, string message) => Warnings.Add(new InputError(field, message, Line));

    public T? Fail<T>(string field, string message)
        where T : class
    {
        Add(field, message);
        return null;
    }
}
