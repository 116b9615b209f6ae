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
    public Task<SeededDataset> DatasetAsync(string project, string dataset, params string[] labels) =>
        DatasetAsync(project, dataset, labels.Length > 0 ? TaskKind.Classification : TaskKind.Chat, labels);

    /// <summary>
    /// A dataset of the given kind in the named project (made when there is none by that name), with the
    /// dataset's own settings where a test needs them: labels, annotations per example, canonical system prompt.
    /// </summary>
    public async Task<SeededDataset> DatasetAsync(string project, string dataset, TaskKind kind, IReadOnlyList<string>? labels = null,
        int? requiredAnnotations = null, string? systemPrompt = null)
    {
        await using var db = database.CreateDbContext();
        var projectRow = await db.Projects.SingleOrDefaultAsync(p => p.Name == project)
            ?? db.Projects.Add(new Project { Name = project, CreatedAt = now, UpdatedAt = now }).Entity;
        var datasetRow = NewDataset(dataset, kind, labels, requiredAnnotations, systemPrompt);
        datasetRow.Project = projectRow;
        db.Datasets.Add(datasetRow);
        await db.SaveChangesAsync();
        return new SeededDataset(projectRow.Id, datasetRow.Id);
    }

    /// <summary>A further dataset in a project the test has already (e.g. one made by ProjectService).</summary>
    public async Task<int> DatasetInAsync(int projectId, string dataset, TaskKind kind, IReadOnlyList<string>? labels = null)
    {
        await using var db = database.CreateDbContext();
        var datasetRow = NewDataset(dataset, kind, labels, null, null);
        datasetRow.ProjectId = projectId;
        db.Datasets.Add(datasetRow);
        await db.SaveChangesAsync();
        return datasetRow.Id;
    }

    private Dataset NewDataset(string name, TaskKind kind, IReadOnlyList<string>? labels, int? requiredAnnotations, string? systemPrompt)
    {
        var row = new Dataset { Name = name, TaskKind = kind, Labels = [.. labels ?? []], CreatedAt = now, UpdatedAt = now };
        if (requiredAnnotations is { } required)
        {
            row.RequiredAnnotations = required;
        }

        if (systemPrompt is not null)
        {
            row.CanonicalSystemPrompt = systemPrompt;
        }

        return row;
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
