using FineTuneStudio.Core.Training;
using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Readiness;

/// <summary>
/// One dimension per step. Answers live in typed maps while editing and become the JSON the
/// validator checks; each step change saves the draft, so leaving and coming back resumes it.
/// </summary>
public sealed partial class ReadinessWizardPage
{
    private static readonly IReadOnlyList<ReadinessDimension> Dimensions = Enum.GetValues<ReadinessDimension>();

    private readonly Dictionary<string, string?> _choice = [];
    private readonly Dictionary<string, HashSet<string>> _multi = [];
    private readonly Dictionary<string, double?> _number = [];
    private readonly Dictionary<string, string?> _text = [];
    private IReadOnlyList<TrainingTargetView> _targets = [];
    private ReadinessEvidence _evidence = new();
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;
    private int _step;
    private int? _draftId;
    private DateTime? _savedAt;
    private int? _averageTokens;
    private double? _inferencePrice;
    private bool _loaded;
    private bool _busy;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required Assessments Readiness { get; init; }
    [Inject] public required ReadinessEvidenceReader Evidence { get; init; }
    [Inject] public required TrainingTargetService Targets { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static int StepCount => Dimensions.Count + 1;

    private int AnsweredCount => ReadinessQuestionnaire.Questions.Count(q => IsAnswered(q.Id));

    private double Progress => 100.0 * _step / (StepCount - 1);

    private TrainingTargetView? SelectedTarget => _targets.FirstOrDefault(t => t.Key == _text.GetValueOrDefault(ReadinessQuestionIds.TrainingTarget));

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _targets = await Targets.ListAsync(ComponentToken);
            _evidence = await Evidence.GatherEvidenceAsync(ProjectId, ComponentToken);
            var actor = (await AuthenticationState).User.ToActor();
            if (await Readiness.GetDraftAsync(ProjectId, actor, ComponentToken) is { } draft)
            {
                _draftId = draft.Summary.Id;
                Load(draft.Answers);
            }
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }

        _loaded = true;
    }

    private static string StepTitle(int index) => index < Dimensions.Count ? ReadinessReportWriter.DimensionTitle(Dimensions[index]) : "Check and submit";

    private static IEnumerable<ReadinessQuestion> QuestionsOf(ReadinessDimension dimension) => ReadinessQuestionnaire.Questions.Where(q => q.Dimension == dimension);

    private static string LabelId(ReadinessQuestion question) => "q-label-" + question.Id.Replace('.', '-');

    private static string RangeText(ReadinessQuestion q) => string.Create(CultureInfo.InvariantCulture, $"From {q.Min:#,0.##} to {q.Max:#,0.##}");

    private int AnsweredIn(ReadinessDimension dimension) => QuestionsOf(dimension).Count(q => IsAnswered(q.Id));

    private bool IsAnswered(string id) =>
        !string.IsNullOrWhiteSpace(_choice.GetValueOrDefault(id))
        || _multi.GetValueOrDefault(id) is { Count: > 0 }
        || _number.GetValueOrDefault(id) is not null
        || !string.IsNullOrWhiteSpace(_text.GetValueOrDefault(id));

    private bool IsChecked(string questionId, string optionId) => _multi.GetValueOrDefault(questionId)?.Contains(optionId) == true;

    private void SetChoice(string id, string? value) => _choice[id] = value;

    private void SetNumber(string id, double? value) => _number[id] = value;

    private void SetText(string id, string? value) => _text[id] = value;

    private void SetChecked(string questionId, string optionId, bool value)
    {
        if (!_multi.TryGetValue(questionId, out var set))
        {
            _multi[questionId] = set = [];
        }

        if (value)
        {
            set.Add(optionId);
        }
        else
        {
            set.Remove(optionId);
        }
    }

    private async Task GoToAsync(int step)
    {
        if (step < 0 || step >= StepCount || _busy)
        {
            return;
        }

        _busy = true;
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            _draftId = await Readiness.SaveDraftAsync(ProjectId, _draftId, ToSubmission(), actor, ComponentToken);
            _savedAt = DateTime.UtcNow;
            _errors = [];
            _step = step;
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task SubmitAsync()
    {
        _busy = true;
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            var submitted = await Readiness.SubmitAsync(ProjectId, ToSubmission(), actor, ComponentToken, _draftId);
            Navigation.NavigateTo($"projects/{ProjectId}/readiness/{submitted.Summary.Id}");
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        finally
        {
            _busy = false;
        }
    }

    private ReadinessSubmission ToSubmission()
    {
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var q in ReadinessQuestionnaire.Questions)
        {
            object? value = q.AnswerType switch
            {
                ReadinessAnswerType.SingleChoice => NullIfBlank(_choice.GetValueOrDefault(q.Id)),
                ReadinessAnswerType.MultipleChoice => _multi.GetValueOrDefault(q.Id) is { Count: > 0 } set
                    ? q.Options.Where(o => set.Contains(o.Id)).Select(o => o.Id).ToArray()
                    : null,
                ReadinessAnswerType.Number => _number.GetValueOrDefault(q.Id),
                _ => NullIfBlank(_text.GetValueOrDefault(q.Id)),
            };
            if (value is not null)
            {
                answers[q.Id] = JsonSerializer.SerializeToElement(value);
            }
        }

        return new ReadinessSubmission(answers, null, _averageTokens, _inferencePrice);
    }

    private void Load(IReadOnlyDictionary<string, JsonElement> answers)
    {
        foreach (var (id, value) in answers)
        {
            var q = ReadinessQuestionnaire.Find(id);
            switch (q?.AnswerType)
            {
                case ReadinessAnswerType.SingleChoice when value.ValueKind == JsonValueKind.String:
                    _choice[id] = value.GetString();
                    break;
                case ReadinessAnswerType.MultipleChoice when value.ValueKind == JsonValueKind.Array:
                    _multi[id] = value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToHashSet();
                    break;
                case ReadinessAnswerType.Number when value.ValueKind == JsonValueKind.Number:
                    _number[id] = value.GetDouble();
                    break;
                case ReadinessAnswerType.FreeText when value.ValueKind == JsonValueKind.String:
                    _text[id] = value.GetString();
                    break;
            }
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
