using System.Text;
using FineTuneStudio.Core.Feedback;

namespace FineTuneStudio.Core.Tests.Feedback;

public class TrafficLogParserTests
{
    private static async Task<List<TrafficLogRow>> ParseAsync(string text)
    {
        var rows = new List<TrafficLogRow>();
        await foreach (var row in new TrafficLogParser().ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task ParseAsync_PromptAndMessages_ReadsEveryField()
    {
        var rows = await ParseAsync("""
            {"timestamp":"2026-03-02T09:30:00+01:00","prompt":"Printer is on fire","response":"critical","model":"ft:urgency-v1","latency_ms":412.6,"rating":5}

            {"timestamp":1772444400,"messages":[{"role":"system","content":"Sort tickets."},{"role":"user","content":"Password reset"}],"response":"low"}
            """);

        rows.Count.ShouldBe(2);
        rows.ShouldAllBe(r => r.Errors.Count == 0);
        var first = rows[0].Entry!;
        first.LoggedAt.ShouldBe(new DateTime(2026, 3, 2, 8, 30, 0, DateTimeKind.Utc));
        first.InputText.ShouldBe("Printer is on fire");
        (first.Model, first.LatencyMs, first.Rating).ShouldBe(("ft:urgency-v1", 413, 5));
        var second = rows[1].Entry!;
        second.Line.ShouldBe(3);
        // 1772444400 s after 1970-01-01 = 2026-03-02 09:40:00 UTC (20514 days × 86400 = 1772409600, + 34800 s = 9 h 40 min).
        second.LoggedAt.ShouldBe(new DateTime(2026, 3, 2, 9, 40, 0, DateTimeKind.Utc));
        second.Messages.Count.ShouldBe(2);
        second.InputText.ShouldBe("Password reset");
        second.Rating.ShouldBeNull();
    }

    [Fact]
    public async Task ParseAsync_ContentAsTextParts_IsJoined_OtherPartsAreRefusedByIndex()
    {
        // How chat APIs log a multi-part user turn; an image part has no text to compare with training data.
        var rows = await ParseAsync("""
            {"timestamp":"2026-03-02T09:30:00Z","messages":[{"role":"user","content":[{"type":"text","text":"Printer "},{"type":"text","text":"on fire"}]}],"response":"critical"}
            {"timestamp":"2026-03-02T09:31:00Z","messages":[{"role":"user","content":[{"type":"text","text":"See"},{"type":"image_url","image_url":{"url":"https://example.test/a.png"}}]}],"response":"low"}
            {"timestamp":"2026-03-02T09:32:00Z","messages":[{"role":"user","content":42}],"response":"low"}
            """);

        rows[0].Errors.ShouldBeEmpty();
        rows[0].Entry!.InputText.ShouldBe("Printer on fire");
        rows[1].Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 2: messages[0].content[1]: only text parts can be imported; part 1 is 'image_url'");
        rows[2].Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 3: messages[0].content: must be a string, found a number");
    }

    [Fact]
    public async Task ParseAsync_BadLines_NameLineAndField()
    {
        var rows = await ParseAsync("""
            {"timestamp":"2026-03-02T09:30:00Z","prompt":"ok","response":"low"}
            not json at all
            {"prompt":"no time","response":"low"}
            {"timestamp":"2026-03-02 09:30","prompt":"local time","response":"low"}
            {"timestamp":"2026-03-02T09:30:00Z","response":"low"}
            {"timestamp":"2026-03-02T09:30:00Z","prompt":"x","response":7}
            {"timestamp":"2026-03-02T09:30:00Z","prompt":"x","response":"low","rating":"good","latency_ms":-3}
            {"timestamp":"2026-03-02T09:30:00Z","messages":[{"role":"robot","content":"x"}],"response":"low"}
            [1,2]
            """);

        rows[0].Errors.ShouldBeEmpty();
        var errors = rows.SelectMany(r => r.Errors).Select(e => (e.Line, e.Field)).ToList();
        errors.ShouldBe([
            (2, "record"),
            (3, "timestamp"),
            (4, "timestamp"),
            (5, "messages"),
            (6, "response"),
            (7, "latency_ms"),
            (7, "rating"),
            (8, "messages[0].role"),
            (9, "record"),
        ]);
    }

    [Fact]
    public async Task ParseAsync_EmptyFile_SaysSo()
    {
        var rows = await ParseAsync("\n\n");

        rows.Single().Errors.Single().ToString().ShouldBe("line 1: file: the file has no logged requests");
    }
}
