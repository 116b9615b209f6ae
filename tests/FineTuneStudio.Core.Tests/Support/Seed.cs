using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>
/// Seeded data for a test, said by intent: a project, a dataset in it, examples in it. Examples are made by
/// the domain's own <see cref="Example.Create"/>, so a seeded row carries the hash, search text, timestamps
/// and version token a real save gives it. Works over any database a test has (in memory, a file the CLI
/// opens, PostgreSQL).
/// </summary>
public sealed class Seed(IDbContextFactory<StudioDbContext> database, DateTime now)
{
    public static readonly DateTime DefaultNow = new(2026, 3, 16, 9, 0, 0, DateTimeKind.Utc);

    public Seed(IDbContextFactory<StudioDbContext> database)
        : this(database, DefaultNow)
    {
    }

    public DateTime Now => now;

    public async Task<int> ProjectAsync(string name)
    {
        await using var db = database.CreateDbContext();
        var project = new Project { Name = name, CreatedAt = now, UpdatedAt = now };
        db.Projects.Add(project);
        await db.SaveChangesAsync();
        return project.Id;
    }

    /// <summary>A project and one dataset in it; a classification dataset when labels are given.</summary>
    public async Task<SeededDataset> DatasetAsync(string project, string dataset, params string[] labels)
    {
        await using var db = database.CreateDbContext();
        var projectRow = await db.Projects.SingleOrDefaultAsync(p => p.Name == project)
            ?? db.Projects.Add(new Project { Name = project, CreatedAt = now, UpdatedAt = now }).Entity;
        var datasetRow = new Dataset
        {
            Project = projectRow,
            Name = dataset,
            TaskKind = labels.Length > 0 ? TaskKind.Classification : TaskKind.Chat,
            Labels = [.. labels],
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Datasets.Add(datasetRow);
        await db.SaveChangesAsync();
        return new SeededDataset(projectRow.Id, datasetRow.Id);
    }

    /// <summary>One example per content, in order, with the given status; returns their ids in the same order.</summary>
    public async Task<IReadOnlyList<int>> ExamplesAsync(int datasetId, ExampleStatus status, IEnumerable<ExampleContent> contents,
        ExampleSource source = ExampleSource.Manual)
    {
        await using var db = database.CreateDbContext();
        var examples = contents.Select(content => Example.Create(datasetId, source, status, content, null, now)).ToList();
        db.Examples.AddRange(examples);
        await db.SaveChangesAsync();
        return examples.Select(e => e.Id).ToList();
    }

    public async Task<int> ExampleAsync(int datasetId, ExampleStatus status, ExampleContent content) =>
        (await ExamplesAsync(datasetId, status, [content]))[0];

    /// <summary>A user turn and the assistant's answer, with an optional system prompt and label.</summary>
    public static ExampleContent Chat(string user, string assistant, string? label = null, string? system = null) =>
        new([.. system is null ? [] : new[] { new MessageContent(MessageRole.System, system) },
            new MessageContent(MessageRole.User, user),
            new MessageContent(MessageRole.Assistant, assistant)], label);
}

/// <summary>The ids of a seeded project and its dataset.</summary>
public sealed record SeededDataset(int ProjectId, int DatasetId);
