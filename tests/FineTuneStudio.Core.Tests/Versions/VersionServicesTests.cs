using Microsoft.Extensions.Logging.Abstractions;
using System.Security.Cryptography;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public sealed class VersionServicesTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead-1", "Lead");
    private readonly string _root = Directory.CreateTempSubdirectory("fts-versions-").FullName;
    private TestDatabase _db = default!;
    private VersionCutter _cutter = default!;
    private VersionFiles _files = default!;
    private VersionDiffs _diffs = default!;
    private VersionPreview _preview = default!;
    private int _datasetId;
    private List<int> _ids = [];

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var clock = new ManualClock(new DateTime(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc));
        var storage = new VersionStorage(_root);
        _cutter = new VersionCutter(_db, clock, storage, new JobLeaseService(_db, clock, NullLogger<JobLeaseService>.Instance));
        _files = new VersionFiles(_db, storage);
        _diffs = new VersionDiffs(_db, storage);
        _preview = new VersionPreview(_db);
        await using var db = _db.CreateDbContext();
        var project = new Project { Name = "Triage" };
        var dataset = new Dataset { Name = "Urgency", TaskKind = TaskKind.Classification, Project = project };
        // 20 examples labelled "high" and 20 labelled "low", all approved, plus 2 drafts.
        for (var i = 0; i < 42; i++)
        {
            var example = new Example
            {
                Status = i < 40 ? ExampleStatus.Approved : ExampleStatus.Draft,
            };
            (Chat($"Ticket number {i}", i % 2 == 0 ? "high" : "low") with { Tags = i % 2 == 0 ? ["billing"] : ["login"] }).ApplyTo(example);
            dataset.Examples.Add(example);
        }

        db.Datasets.Add(dataset);
        await db.SaveChangesAsync();
        _datasetId = dataset.Id;
        _ids = dataset.Examples.Select(e => e.Id).Order().ToList();
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static ExampleContent Chat(string user, string label) => new(
    [
        new(MessageRole.System, "Label the ticket's urgency."),
        new(MessageRole.User, user),
        new(MessageRole.Assistant, label),
    ], label);

    private CutRequest Request(double validation = 0.1, double test = 0, int seed = 42) =>
        new(_datasetId, TrainingTargets.OpenAiChat, ValidationShare: validation, TestShare: test, Seed: seed);

    private string FolderOf(VersionSummary v) => Directory.GetDirectories(Path.Combine(_root, "datasets", _datasetId.ToString())).Single(d => Path.GetFileName(d).StartsWith($"v{v.Number}-", StringComparison.Ordinal));

    [Fact]
    public async Task CutAsync_TwiceWithSameSettings_WritesByteIdenticalDataFiles()
    {
        var first = await _cutter.CutAsync(Request(), Lead, null, default);
        var second = await _cutter.CutAsync(Request(), Lead, null, default);

        first.Number.ShouldBe(1);
        second.Number.ShouldBe(2);
        foreach (var name in new[] { "train.jsonl", "validation.jsonl" })
        {
            var a = await File.ReadAllBytesAsync(Path.Combine(FolderOf(first), name));
            var b = await File.ReadAllBytesAsync(Path.Combine(FolderOf(second), name));
            b.ShouldBe(a);
            first.Files.Single(f => f.Name == name).Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(a)));
        }
    }

    [Fact]
    public async Task CutAsync_DifferentSeed_ChangesTheAssignmentButNotTheCounts()
    {
        var a = await _cutter.CutAsync(Request(seed: 42), Lead, null, default);
        var b = await _cutter.CutAsync(Request(seed: 7), Lead, null, default);

        (b.TrainCount, b.ValidationCount).ShouldBe((a.TrainCount, a.ValidationCount));
        b.Files.Single(f => f.Name == "validation.jsonl").Sha256.ShouldNotBe(a.Files.Single(f => f.Name == "validation.jsonl").Sha256);
    }

    [Fact]
    public async Task CutAsync_EvalItemsImportedFromAFile_LeaveTheSameConversationsOutOfEveryFile()
    {
        // A held-out file of the dataset's own tickets, as a lead brings it: a line with the system prompt, one with
        // the user's text alone (spaced differently), a chat line whose last turn is the answer, and one new ticket.
        int projectId;
        await using (var db = _db.CreateDbContext())
        {
            projectId = await db.Datasets.Where(d => d.Id == _datasetId).Select(d => d.ProjectId).SingleAsync();
        }

        var sets = new EvalSets(_db, new ManualClock(new DateTime(2026, 11, 24, 9, 0, 0, DateTimeKind.Utc)));
        var set = await sets.CreateSetAsync(projectId, new EvalSetInput("Held out", "", ["exact"]), Lead, default);
        await sets.ImportItemsAsync(set.Id, """
            {"id": "a", "input": [{"role": "system", "content": "Label the ticket's urgency."}, {"role": "user", "content": "Ticket number 0"}], "expected": "high"}
            {"id": "b", "input": " Ticket  number 3", "expected": "low"}
            {"id": "c", "messages": [{"role": "system", "content": "Label the ticket's urgency."}, {"role": "user", "content": "Ticket number 5"}, {"role": "assistant", "content": "low"}]}
            {"id": "d", "input": "A ticket nobody wrote", "expected": "low"}
            """, "held-out.jsonl", Lead, default);

        var version = await _cutter.CutAsync(Request(validation: 0.1, test: 0.1), Lead, null, default);

        await using var check = _db.CreateDbContext();
        var rows = await check.DatasetVersionExamples.Where(e => e.DatasetVersionId == version.Id).Select(e => e.ExampleId).ToListAsync();
        rows.Count.ShouldBe(37);
        rows.ShouldNotContain(id => id == _ids[0] || id == _ids[3] || id == _ids[5]);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(FolderOf(version), "manifest.json")));
        manifest.RootElement.GetProperty("split").GetProperty("excluded_as_eval_items").GetInt32().ShouldBe(3);
        var written = string.Concat(new[] { "train.jsonl", "validation.jsonl", "test.jsonl" }.Select(f => File.ReadAllText(Path.Combine(FolderOf(version), f))));
        written.ShouldNotContain("\"Ticket number 3\"");
        written.ShouldContain("\"Ticket number 4\"");
    }

    [Fact]
    public async Task CutAsync_SplitsEachLabelByShare_AndLeavesEvalItemsOut()
    {
        await using (var db = _db.CreateDbContext())
        {
            var projectId = await db.Datasets.Where(d => d.Id == _datasetId).Select(d => d.ProjectId).SingleAsync();
            var set = new EvalSet { Name = "held out", ProjectId = projectId };
            // h1 asks what example 0 asks (label high); h2 was made from example 2 (label high).
            set.Items.Add(new EvalItem { ExternalId = "h1", InputJson = """[{"role": "user", "content": "Ticket number 0"}]""" });
            set.Items.Add(new EvalItem { ExternalId = "h2", SourceExampleId = _ids[2] });  // label high
            db.EvalSets.Add(set);
            await db.SaveChangesAsync();
        }

        var version = await _cutter.CutAsync(Request(validation: 0.1, test: 0.1), Lead, null, default);

        // high: 20 approved − 2 eval items = 18 → validation round(1.8) = 2, test 2, train 14.
        // low: 20 → validation round(2.0) = 2, test 2, train 16. Drafts are not exported.
        version.ValidationCount.ShouldBe(4);
        version.TestCount.ShouldBe(4);
        version.TrainCount.ShouldBe(30);
        await using var check = _db.CreateDbContext();
        var rows = await check.DatasetVersionExamples.Where(e => e.DatasetVersionId == version.Id).ToListAsync();
        rows.Count.ShouldBe(38);
        rows.ShouldNotContain(r => r.ExampleId == _ids[0] || r.ExampleId == _ids[2] || r.ExampleId == _ids[40]);
        var labels = await check.Examples.ToDictionaryAsync(e => e.Id, e => e.Label);
        rows.Count(r => r.Split == SplitPin.Validation && labels[r.ExampleId] == "high").ShouldBe(2);
        rows.Count(r => r.Split == SplitPin.Test && labels[r.ExampleId] == "low").ShouldBe(2);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(FolderOf(version), "manifest.json")));
        manifest.RootElement.GetProperty("split").GetProperty("excluded_as_eval_items").GetInt32().ShouldBe(2);
        File.ReadAllLines(Path.Combine(FolderOf(version), "test.jsonl")).Length.ShouldBe(4);
    }

    [Fact]
    public async Task CutAsync_WithTagFilter_ExportsOnlyTaggedExamples()
    {
        var version = await _cutter.CutAsync(Request() with { Tags = ["billing"] }, Lead, null, default);

        // The 20 "billing" examples are exactly the 20 "high" ones: validation round(2.0) = 2, train 18.
        (version.TrainCount, version.ValidationCount).ShouldBe((18, 2));
    }

    [Fact]
    public async Task CutAsync_WhenAnExampleFailsValidation_NamesItAndCreatesNothing()
    {
        await using (var db = _db.CreateDbContext())
        {
            var bad = await db.Examples.Include(e => e.Messages).SingleAsync(e => e.Id == _ids[5]);
            // Unlabelled: a labelled one would learn its label as the answer.
            new ExampleContent([new(MessageRole.User, "No reply here")]).ApplyTo(bad);
            await db.SaveChangesAsync();
        }

        var error = await Should.ThrowAsync<StudioValidationException>(() => _cutter.CutAsync(Request(), Lead, null, default));

        error.Errors.ShouldContain(e => e.Field.StartsWith($"example {_ids[5]} (", StringComparison.Ordinal) && e.Message.Contains("No assistant message"));
        await using var check = _db.CreateDbContext();
        (await check.DatasetVersions.CountAsync()).ShouldBe(0);
        Directory.Exists(Path.Combine(_root, "datasets")).ShouldBeFalse();
        Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task CutAsync_CancelledWhileWriting_LeavesNoVersionAndNoFolder()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Stage == "Writing files")
            {
                cts.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() => _cutter.CutAsync(Request(), Lead, progress, cts.Token));

        await using var check = _db.CreateDbContext();
        (await check.DatasetVersions.CountAsync()).ShouldBe(0);
        Directory.Exists(Path.Combine(_root, "datasets")).ShouldBeFalse();
        Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task OpenFileAsync_ChecksTheHashAndRefusesChangedFilesAndUnknownNames()
    {
        var version = await _cutter.CutAsync(Request(), Lead, null, default);

        var opened = await _files.OpenFileAsync(version.Id, "train.jsonl", default);
        await using (opened.Stream)
        {
            Convert.ToHexStringLower(await SHA256.HashDataAsync(opened.Stream)).ShouldBe(opened.Sha256);
        }

        await Should.ThrowAsync<NotFoundException>(() => _files.OpenFileAsync(version.Id, "../../studio.db", default));
        await Should.ThrowAsync<NotFoundException>(() => _files.OpenFileAsync(version.Id, "TRAIN.jsonl", default));

        await File.AppendAllTextAsync(Path.Combine(FolderOf(version), "train.jsonl"), "{}\n");
        await Should.ThrowAsync<ConflictException>(() => _files.OpenFileAsync(version.Id, "train.jsonl", default));
        await Should.ThrowAsync<ConflictException>(() => _files.OpenZipAsync(version.Id, default));
    }

    [Fact]
    public async Task OpenZipAsync_HoldsEveryFileOfTheVersion()
    {
        var version = await _cutter.CutAsync(Request(), Lead, null, default);

        await using var zip = await _files.OpenZipAsync(version.Id, default);
        using var archive = new System.IO.Compression.ZipArchive(zip);
        archive.Entries.Select(e => e.Name).Order(StringComparer.Ordinal).ShouldBe(
            ["README.md", "dataset_info.json", "manifest.json", "openai-job.json", "recipe-axolotl.yaml", "recipe-trl.py", "train.jsonl", "validation.jsonl"]);
    }

    [Fact]
    public async Task DiffAsync_AfterApprovingTwoMore_ReportsThemAsAdded()
    {
        var v1 = await _cutter.CutAsync(Request(), Lead, null, default);
        await using (var db = _db.CreateDbContext())
        {
            await db.Examples.Where(e => e.Status == ExampleStatus.Draft).ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExampleStatus.Approved));
        }

        var v2 = await _cutter.CutAsync(Request(), Lead, null, default);
        var diff = await _diffs.DiffAsync(v1.Id, v2.Id, default);

        diff.Diff.Added.ShouldBe([_ids[40], _ids[41]]);
        diff.Diff.Removed.ShouldBeEmpty();
        diff.Diff.Changed.ShouldBeEmpty();
        diff.Diff.TokenDelta.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task DiffAsync_DataFilesGone_TakesTokenFiguresFromTheManifests()
    {
        var v1 = await _cutter.CutAsync(Request(), Lead, null, default);
        await using (var db = _db.CreateDbContext())
        {
            await db.Examples.Where(e => e.Status == ExampleStatus.Draft).ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExampleStatus.Approved));
        }

        var v2 = await _cutter.CutAsync(Request(), Lead, null, default);
        // The diff must not read the data files back: with them gone it still reports the token figures.
        foreach (var file in new[] { v1, v2 }.SelectMany(v => Directory.GetFiles(FolderOf(v), "*.jsonl")))
        {
            File.Delete(file);
        }

        var diff = await _diffs.DiffAsync(v1.Id, v2.Id, default);

        var counter = TokenCounter.O200k;
        var addedTokens = new[] { Chat("Ticket number 40", "high"), Chat("Ticket number 41", "low") }
            .Sum(e => counter.CountMessages(e.Messages));
        diff.Diff.Added.ShouldBe([_ids[40], _ids[41]]);
        diff.Diff.TokenDelta.ShouldBe(addedTokens);
    }

    [Fact]
    public async Task PreviewAsync_MarksTheAssistantTurnAsTrained()
    {
        var preview = await _preview.PreviewAsync(_ids[0], TrainingTargets.OpenAiChat, default);

        preview.Preview.Segments.Select(s => s.Trained).ShouldBe([false, false, true]);
    }

    private sealed class SyncProgress(Action<CutProgress> report) : IProgress<CutProgress>
    {
        public void Report(CutProgress value) => report(value);
    }
}
