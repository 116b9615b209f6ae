using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Judges;

public sealed class JudgeServiceTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("user-lead", "lead@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 12, 5, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;
    private Judging _judging = default!;
    private int _projectId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _judging = Judging.For(_db, _clock, "http://127.0.0.1:9/v1");
        _projectId = (await new ProjectService(_db, _clock).CreateAsync(new ProjectInput("Billing", null), Lead, default)).Id;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static JudgeRequest Request(string name = "Refund rubric", string rubric = "- Names the refund period", float? temperature = 0) =>
        new() { Name = name, Rubric = rubric, Mode = JudgeMode.Pairwise, Endpoint = "judge", Model = "judge-model", Temperature = temperature };

    [Fact]
    public async Task Edit_AddsAVersionOnlyWhenASettingChanges_OldVersionsStayAsTheyWere()
    {
        var created = await _judging.Judges.CreateAsync(_projectId, Request(), Lead, default);
        created.Judge.Current.Number.ShouldBe(1);

        var renamed = await _judging.Judges.UpdateAsync(created.Judge.Id, Request(name: "Refunds"), Lead, default);
        (renamed.Judge.Name, renamed.Judge.Versions).ShouldBe(("Refunds", 1));

        _clock.Advance(TimeSpan.FromHours(1));
        var edited = await _judging.Judges.UpdateAsync(created.Judge.Id, Request(name: "", rubric: "- Names the refund period\n- Polite"), Lead, default);
        edited.Judge.Name.ShouldBe("Refunds");
        edited.Versions.Select(v => (v.Number, v.Rubric)).ShouldBe([(2, "- Names the refund period\n- Polite"), (1, "- Names the refund period")]);
        edited.Judge.Current.CreatedAt.ShouldBe(_clock.UtcNow);

        var same = await _judging.Judges.UpdateAsync(created.Judge.Id, Request(name: "", rubric: "  - Names the refund period\n- Polite  "), Lead, default);
        same.Judge.Versions.ShouldBe(2);

        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.Where(e => e.EntityType == nameof(Judge)).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync())
            .ShouldBe(["judge.create", "judge.update", "judge.update"]);
    }

    [Fact]
    public async Task Create_InvalidInput_EveryErrorNamesItsField_NothingStored()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() => _judging.Judges.CreateAsync(_projectId,
            new JudgeRequest { Name = "", Rubric = " ", Mode = (JudgeMode)9, Endpoint = "elsewhere", Model = "", Temperature = 2.5f }, Lead, default));

        error.Errors.Select(e => e.Field).ShouldBe(["name", "rubric", "mode", "endpoint", "model", "temperature"]);
        error.Errors.Single(e => e.Field == "endpoint").Message.ShouldBe("choose one of the configured endpoints: judge");
        await using var db = _db.CreateDbContext();
        (await db.Judges.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Create_RubricTooLongOrNameTaken_Refused()
    {
        (await Should.ThrowAsync<StudioValidationException>(() => _judging.Judges.CreateAsync(_projectId, Request(rubric: new string('x', JudgeService.MaxRubric + 1)), Lead, default)))
            .Errors.Single().Message.ShouldBe("the rubric is longer than 20,000 characters");
        await _judging.Judges.CreateAsync(_projectId, Request(), Lead, default);
        await Should.ThrowAsync<ConflictException>(() => _judging.Judges.CreateAsync(_projectId, Request(name: "REFUND RUBRIC"), Lead, default));
    }

    [Fact]
    public async Task Find_ByNameInAnyCase_AndAskForTheProjectWhenTwoShareIt()
    {
        var other = (await new ProjectService(_db, _clock).CreateAsync(new ProjectInput("Support", null), Lead, default)).Id;
        var mine = await _judging.Judges.CreateAsync(_projectId, Request(), Lead, default);
        await _judging.Judges.CreateAsync(other, Request(), Lead, default);

        (await _judging.Judges.FindAsync(_projectId, "refund RUBRIC", default)).Id.ShouldBe(mine.Judge.Id);
        (await Should.ThrowAsync<StudioValidationException>(() => _judging.Judges.FindAsync(null, "Refund rubric", default)))
            .Errors.Single().Message.ShouldBe($"projects {Math.Min(_projectId, other)}, {Math.Max(_projectId, other)} each have a judge named 'Refund rubric': name the project");
        (await Should.ThrowAsync<StudioValidationException>(() => _judging.Judges.FindAsync(_projectId, "Nope", default)))
            .Errors.Single().Message.ShouldBe($"project {_projectId} has no judge named 'Nope'");
    }
}
