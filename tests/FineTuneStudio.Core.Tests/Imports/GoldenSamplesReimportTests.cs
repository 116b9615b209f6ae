using System.Text.Json.Nodes;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Versions;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>The golden export samples of every target: what the writer makes of them, the importer reads back to the same content, without errors or warnings.</summary>
public class GoldenSamplesReimportTests
{
    public static TheoryData<string> Targets() => [.. TrainingTargets.All.Select(t => t.Key)];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task ParseAsync_OwnExport_ReadsBackTheSameContent(string key)
    {
        var target = TrainingTargets.Get(key);
        var examples = ExportSamples.SetFor(target);
        using var file = new MemoryStream();
        new JsonlExampleWriter(target).Write(examples, file);
        file.Position = 0;

        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(file, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty(key);
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty(key);
        rows.Count.ShouldBe(examples.Count);
        for (var i = 0; i < examples.Count; i++)
        {
            var (written, read) = (examples[i], rows[i].Content!);
            read.Messages.Select(m => Turn(m, target)).ShouldBe(written.Messages.Select(m => Turn(m, target)), $"{key} example {i}");
            (read.PreferredCompletion, read.RejectedCompletion).ShouldBe((written.PreferredCompletion, written.RejectedCompletion), key);
        }
    }

    /// <summary>A turn as the target can carry it: tool JSON compared by value, weights only where the target writes them (unset means trained).</summary>
    private static (MessageRole, string?, string?, string?, int?) Turn(MessageContent m, TrainingTargetProfile target) => (
        m.Role,
        m.Content,
        m.ToolCallsJson is null ? null : JsonNode.Parse(m.ToolCallsJson)!.ToJsonString(),
        m.ToolCallId,
        target.WeightSupport == WeightSupport.None || m.Role != MessageRole.Assistant ? null : m.Weight ?? 1);
}
