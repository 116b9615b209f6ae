using System.Text.Json;
using FineTuneStudio.Core.Demo;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>The demo project with data (examples, annotations, eval set, baseline).</summary>
    public Task<int> TicketProjectIdAsync() =>
        QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());

    public Task<int> AssessmentCountAsync(int projectId) =>
        QueryAsync(db => db.Assessments.CountAsync(a => a.ProjectId == projectId));

    /// <summary>A full set of answers as the wizard stores them, pointing at the closing OpenAI target.</summary>
    public static JsonElement ReadinessAnswers(string? overrideId = null, object? overrideValue = null)
    {
        var answers = new Dictionary<string, object?>
        {
            ["task.nature"] = new[] { "output_format", "narrow_high_volume" },
            ["task.scope"] = "narrow",
            ["simpler.prompting"] = "system_and_few_shot",
            ["simpler.baseline"] = "none",
            ["data.high_quality_examples"] = 5000,
            ["eval.held_out_set"] = "none",
            ["owner.retraining_owner"] = "named_person",
            ["owner.retraining_cadence"] = "quarterly",
            ["business.requests_per_day"] = 5000,
            ["business.prompt_tokens_now"] = 2000,
            ["business.prompt_tokens_after"] = 300,
            ["business.training_target"] = "openai-chat",
        };
        if (overrideId is not null)
        {
            answers[overrideId] = overrideValue;
        }

        return JsonSerializer.SerializeToElement(answers);
    }
}
