using FineTuneStudio.Core.Readiness;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessQuestionnaireTests
{
    [Fact]
    public void Questions_Catalog_HasBetween25And40UniqueIds()
    {
        var questions = ReadinessQuestionnaire.Questions;

        questions.Count.ShouldBeInRange(25, 40);
        questions.Select(q => q.Id).ShouldBeUnique();
    }

    [Fact]
    public void Questions_EveryDimension_HasQuestions()
    {
        foreach (var dimension in Enum.GetValues<ReadinessDimension>())
        {
            ReadinessQuestionnaire.Questions.ShouldContain(q => q.Dimension == dimension, dimension.ToString());
        }
    }

    [Fact]
    public void Questions_EveryQuestion_HasTextHelpAndAFittingShape()
    {
        foreach (var q in ReadinessQuestionnaire.Questions)
        {
            q.Text.ShouldNotBeNullOrWhiteSpace(q.Id);
            q.Help.ShouldNotBeNullOrWhiteSpace(q.Id);
            q.Id.ShouldStartWith(q.Id.Split('.')[0] + ".");
            switch (q.AnswerType)
            {
                case ReadinessAnswerType.SingleChoice or ReadinessAnswerType.MultipleChoice:
                    q.Options.Count.ShouldBeGreaterThanOrEqualTo(2, q.Id);
                    q.Options.Select(o => o.Id).ShouldBeUnique(q.Id);
                    break;
                case ReadinessAnswerType.Number:
                    q.Min.ShouldNotBeNull(q.Id);
                    q.Max.ShouldNotBeNull(q.Id);
                    q.Min!.Value.ShouldBeLessThan(q.Max!.Value, q.Id);
                    q.Unit.ShouldNotBeNullOrWhiteSpace(q.Id);
                    break;
                default:
                    q.Options.ShouldBeEmpty(q.Id);
                    break;
            }
        }
    }

    [Theory]
    [InlineData(ReadinessQuestionIds.TaskNature, ReadinessAnswerType.MultipleChoice)]
    [InlineData(ReadinessQuestionIds.Prompting, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Rag, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Baseline, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.FailureCases, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.HighQualityExamples, ReadinessAnswerType.Number)]
    [InlineData(ReadinessQuestionIds.WhoLabels, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Guidelines, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Consistency, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.EdgeCases, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.EvalSet, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.EvalMetrics, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.EvalOwner, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.RetrainingCadence, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Monitoring, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.Budget, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.RequestsPerDay, ReadinessAnswerType.Number)]
    [InlineData(ReadinessQuestionIds.Latency, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.PromptTokensNow, ReadinessAnswerType.Number)]
    [InlineData(ReadinessQuestionIds.PromptTokensAfter, ReadinessAnswerType.Number)]
    [InlineData(ReadinessQuestionIds.Impact, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.RequirementChanges, ReadinessAnswerType.SingleChoice)]
    [InlineData(ReadinessQuestionIds.TrainingTarget, ReadinessAnswerType.FreeText)]
    [InlineData(ReadinessQuestionIds.EvidenceLinks, ReadinessAnswerType.FreeText)]
    public void Get_RequiredQuestion_ExistsWithItsAnswerType(string id, ReadinessAnswerType type)
    {
        ReadinessQuestionnaire.Get(id).AnswerType.ShouldBe(type);
    }

    [Fact]
    public void Get_RetrainingCadence_OffersTheFiveCadences()
    {
        ReadinessQuestionnaire.Get(ReadinessQuestionIds.RetrainingCadence).Options.Select(o => o.Id)
            .ShouldBe(["none", "monthly", "quarterly", "half_yearly", "yearly"]);
    }

    [Fact]
    public void Rules_EveryRule_RefersToAnExistingQuestionAndHasAUniqueId()
    {
        ReadinessRules.All.Select(r => r.Id).ShouldBeUnique();
        foreach (var rule in ReadinessRules.All)
        {
            ReadinessQuestionnaire.Find(rule.QuestionId).ShouldNotBeNull(rule.Id);
            rule.Reason.ShouldNotBeNullOrWhiteSpace(rule.Id);
        }
    }

    [Fact]
    public void Rules_EveryConditionOnEveryOption_EvaluatesWithoutError()
    {
        // Facts.Is throws on an option id that is not in the catalog, so running every rule against
        // answers that pick each option in turn surfaces typos in the table.
        foreach (var question in ReadinessQuestionnaire.Questions)
        {
            foreach (var option in question.Options)
            {
                var value = question.AnswerType == ReadinessAnswerType.MultipleChoice ? $"[\"{option.Id}\"]" : $"\"{option.Id}\"";
                var facts = ReadinessFacts.From(ReadinessAnswerSets.Parse($$"""{"{{question.Id}}": {{value}}}"""));
                foreach (var rule in ReadinessRules.All)
                {
                    Should.NotThrow(() => rule.When(facts), $"{rule.Id} with {question.Id}={option.Id}");
                }
            }
        }
    }

    [Fact]
    public void Weights_AllDimensions_AddUpTo100()
    {
        ReadinessRules.Weights.Keys.ShouldBe(Enum.GetValues<ReadinessDimension>(), ignoreOrder: true);
        ReadinessRules.Weights.Values.Sum().ShouldBe(100);
    }
}
