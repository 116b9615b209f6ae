using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// The bedrock-claude and bedrock-nova targets: lines as Amazon Bedrock's fine-tuning documents them (Claude 3 Haiku's
/// system and text turns; Nova's Converse shape with schemaVersion and text blocks), checked with the field named,
/// read back by the importer to the same conversation, and refused for what Bedrock's lines cannot hold.
/// </summary>
public class BedrockLinesTests
{
    private static readonly TrainingTargetProfile Claude = TrainingTargets.BedrockClaudeProfile;
    private static readonly TrainingTargetProfile Nova = TrainingTargets.BedrockNovaProfile;

    private static async Task<List<string>> IssuesAsync(TrainingTargetProfile target, string line, bool errors = true)
    {
        var report = await ExportSamples.ValidateAsync(target, line + "\n");
        return (errors ? report.Errors : report.Warnings).Select(i => $"{i.Field}: {i.Message}").ToList();
    }

    [Theory]
    [InlineData(TrainingTargets.BedrockClaude)]
    [InlineData(TrainingTargets.BedrockNova)]
    public async Task Validate_TheGoldenFile_HasNeitherErrorsNorWarnings(string key)
    {
        var target = TrainingTargets.Get(key);

        var report = await ExportSamples.ValidateBytesAsync(target, await File.ReadAllBytesAsync(ExportSamples.GoldenPath(key + ".jsonl")));

        (report.Errors.Count, report.Warnings.Count, report.ExampleCount).ShouldBe((0, 0, 2));
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Hi"}]}""",
        "messages[0].role: Expected a user turn: turns alternate, starting with the user.|messages[1].role: Expected an assistant turn: turns alternate, starting with the user.|messages[1]: The last turn must be the assistant's answer.")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Hi"}]}""",
        "messages[1].role: Expected an assistant turn: turns alternate, starting with the user.|messages[2].role: Expected a user turn: turns alternate, starting with the user.")]
    [InlineData("""{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}""",
        "messages[0].role: role must be user or assistant (a system prompt goes in system).|messages[1].role: Expected an assistant turn: turns alternate, starting with the user.|messages[1]: The last turn must be the assistant's answer.")]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}, {"role": "assistant", "content": "Hi"}]}""",
        "messages[0].content: Must be text (a string).")]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": " "}]}""",
        "messages[1].content: Empty text.")]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}]}""",
        "messages: Bedrock needs at least two turns: a user turn and the assistant's answer.")]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi", "weight": 1}]}""",
        "messages[1].weight: Unrecognised key 'weight'. Allowed here: content, role.")]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hi"}], "tools": []}""",
        "tools: Unrecognised key 'tools'. Allowed here: messages, system.")]
    public async Task Validate_AClaudeLineBedrockWouldRefuse_IsAnErrorNamingTheField(string line, string errors)
    {
        (await IssuesAsync(Claude, line)).ShouldBe(errors.Split('|'));
    }

    [Theory]
    [InlineData("""{"system": [{"text": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hi"}]}]}""",
        "schemaVersion: Missing schemaVersion (\"bedrock-conversation-2024\").")]
    [InlineData("""{"schemaVersion": "bedrock-conversation-2024", "system": "Be brief.", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hi"}]}]}""",
        "system: Must be a non-empty list of content blocks, such as {\"text\": \"...\"}.")]
    [InlineData("""{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"text": "Hi"}]}]}""",
        "messages[0].content: Must be a non-empty list of content blocks, such as {\"text\": \"...\"}.")]
    [InlineData("""{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": 3}]}, {"role": "assistant", "content": [{"toolUse": {"name": "f"}}]}]}""",
        "messages[0].content[0].text: text must be a string.|messages[1].content[0]: A content block holds text (or an image or video).")]
    public async Task Validate_ANovaLineBedrockWouldRefuse_IsAnErrorNamingTheField(string line, string errors)
    {
        (await IssuesAsync(Nova, line)).ShouldBe(errors.Split('|'));
    }

    [Fact]
    public async Task Validate_NovaReservedKeywordsAndImages_AreWarnings()
    {
        var warnings = await IssuesAsync(Nova, """{"schemaVersion": "x", "system": [{"text": "System: be brief."}], "messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/cat.png"}}}}, {"text": " user: what is it?"}]}, {"role": "assistant", "content": [{"text": "User: a cat."}]}]}""", errors: false);

        // An answer may start with "User:"; only what the model reads as prompt is reserved.
        warnings.ShouldBe([
            "system[0].text: Starts with 'System:', a keyword Nova's tuning reserves for its own prompt layout; reword the start.",
            "messages[0].content[0]: An image or video block: its tokens are not counted here.",
            "messages[0].content[1].text: Starts with 'User:', a keyword Nova's tuning reserves for its own prompt layout; reword the start.",
        ]);
    }

    [Theory]
    [InlineData(TrainingTargets.BedrockClaude)]
    [InlineData(TrainingTargets.BedrockNova)]
    public void Write_AToolCall_IsRefusedNamingTheLineAndMessage(string key)
    {
        var error = Should.Throw<StudioValidationException>(() =>
            new JsonlExampleWriter(TrainingTargets.Get(key)).Write([ExportSamples.SimpleChat, ExportSamples.ToolCall], new MemoryStream()));

        error.Errors.Single().ToString().ShouldBe("line 2: messages[1]: A tool call or tool result: Bedrock's fine-tuning lines hold user and assistant text only.");
    }

    [Theory]
    [InlineData("bedrock-claude.jsonl", TrainingTargets.BedrockClaude,
        """{"system":"You answer questions about the city library in one sentence.","messages":[{"role":"user","content":"When does the library open on Sundays?"},{"role":"assistant","content":"It opens at noon on Sundays."}]}""")]
    [InlineData("bedrock-nova.jsonl", TrainingTargets.BedrockNova,
        """{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"You answer questions about the city library in one sentence."}],"messages":[{"role":"user","content":[{"text":"When does the library open on Sundays?"}]},{"role":"assistant","content":[{"text":"It opens at noon on Sundays."}]}]}""")]
    public async Task ImportedBedrockFile_ExportedAgain_GivesTheSameConversations(string fixture, string key, string firstLine)
    {
        // Round trip: the fixture written after Bedrock's documentation, in, out as the target's lines, in again.
        var target = TrainingTargets.Get(key);
        await using var stream = Open(fixture);
        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
        var writer = new JsonlExampleWriter(target);
        var lines = rows.Select(r => writer.ToLine(r.Content!)).ToList();

        var again = lines.Select(l => JsonRecordMapper.Map(JsonDocument.Parse(l).RootElement, ImportFormat.Chat, 1).Content!).ToList();
        again.Select(c => c.Messages.Select(m => (m.Role, m.Content))).ShouldBe(rows.Select(r => r.Content!.Messages.Select(m => (m.Role, m.Content))));
        again.Select(writer.ToLine).ShouldBe(lines);
        lines[0].ShouldBe(firstLine);
        (await ExportSamples.ValidateAsync(target, string.Join("\n", lines) + "\n")).Errors.ShouldBeEmpty();
    }

    [Fact]
    public void Check_ToolCallsAndTurnsThatDoNotAlternate_AreOneMisfitErrorThatDroppingDoesNotLift()
    {
        ExampleContent twoQuestions = new([new(MessageRole.User, "Hi"), new(MessageRole.User, "Anyone?"), new(MessageRole.Assistant, "Yes.")]);
        ExampleContent[] examples = [ExportSamples.SimpleChat, ExportSamples.ToolCall, twoQuestions, ExportSamples.WeightedTurn];

        var kept = TargetFitChecker.Check(examples, Claude);
        var dropped = TargetFitChecker.Check(examples, Claude, dropUnsupported: true);

        var expected = "2 examples have tool calls or results, or turns that do not alternate between user and assistant from a user turn to a closing answer, "
            + "which bedrock-claude needs; cut them to openai-chat, hf-messages, axolotl-chat or vertex-gemini instead, or edit those conversations.";
        kept.Select(e => (e.Field, e.Message)).ShouldContain(("turns", expected));
        // The tool definitions of the tool call example are a lost feature on top; per-turn weights too (WeightedTurn's first reply has weight 0).
        kept.Select(e => e.Field).Order(StringComparer.Ordinal).ShouldBe(["tools", "turn_weights", "turns"]);
        dropped.Select(e => (e.Field, e.Message)).ShouldBe([("turns", expected)]);
    }

    [Fact]
    public void Check_APreferencePairWithoutAnAnswer_FitsBedrockOnceDropped()
    {
        // Dropping the pair keeps the preferred completion as the answer, which makes the turns alternate.
        var errors = TargetFitChecker.Check([ExportSamples.PreferencePair], Nova, dropUnsupported: true);

        errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(TrainingTargets.BedrockClaude, 5, "10", "anthropic.claude-3-haiku-20240307-v1:0:200k", "The heuristic's 20 epochs are held to 10, the most Claude 3 Haiku takes.")]
    [InlineData(TrainingTargets.BedrockNova, 5, "5", "amazon.nova-micro-v1:0:128k", "The heuristic's 20 epochs are held to 5, the most Nova takes.")]
    [InlineData(TrainingTargets.BedrockNova, 40, "3", "amazon.nova-micro-v1:0:128k", "every assistant turn is trained.")]
    public void TheBedrockJobBody_NamesTheFilesUnderOneS3Folder_WithEpochsInTheModelsRange(string key, int trainCount, string epochs, string model, string fitEnds)
    {
        var recipes = TrainerRecipes.For(TrainingTargets.Get(key), 3, "Support  tickets (EU)", ["train.jsonl", "validation.jsonl"], trainCount, seed: 7);

        var recipe = recipes.ShouldHaveSingleItem();
        recipe.FileName.ShouldBe(TrainerRecipes.BedrockJobFile);
        recipe.Fit.ShouldEndWith(fitEnds);
        using var job = JsonDocument.Parse(recipe.Text);
        var root = job.RootElement;
        (root.GetProperty("jobName").GetString(), root.GetProperty("customModelName").GetString()).ShouldBe(("support-tickets-eu-v3-job", "support-tickets-eu-v3"));
        (root.GetProperty("baseModelIdentifier").GetString(), root.GetProperty("customizationType").GetString()).ShouldBe((model, "FINE_TUNING"));
        root.GetProperty("trainingDataConfig").GetProperty("s3Uri").GetString().ShouldBe("s3://YOUR_BUCKET/support-tickets-eu-v3/train.jsonl");
        root.GetProperty("validationDataConfig").GetProperty("validators")[0].GetProperty("s3Uri").GetString().ShouldBe("s3://YOUR_BUCKET/support-tickets-eu-v3/validation.jsonl");
        root.GetProperty("outputDataConfig").GetProperty("s3Uri").GetString().ShouldBe("s3://YOUR_BUCKET/support-tickets-eu-v3/output/");
        // Bedrock takes hyperparameters as strings.
        root.GetProperty("hyperParameters").GetProperty("epochCount").GetString().ShouldBe(epochs);
    }

    [Fact]
    public void TheBedrockJobBody_WithoutAValidationFile_HasNoValidationConfig()
    {
        var recipe = TrainerRecipes.For(Claude, 1, "Replies", ["train.jsonl"], 40, seed: 7).Single();

        using var job = JsonDocument.Parse(recipe.Text);
        job.RootElement.TryGetProperty("validationDataConfig", out _).ShouldBeFalse();
        recipe.Fit.ShouldStartWith("The request body for Bedrock's CreateModelCustomizationJob once train.jsonl is uploaded to S3");
    }
}
