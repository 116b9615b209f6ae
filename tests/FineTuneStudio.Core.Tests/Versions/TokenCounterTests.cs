using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public class TokenCounterTests
{
    [Theory]
    [InlineData(TokenCounter.O200kBase)]
    [InlineData(TokenCounter.Cl100kBase)]
    public void Count_HelloWorld_IsTwoTokensInBothEncodings(string encoding)
    {
        // "hello" and " world" are single tokens in both vocabularies.
        TokenCounter.For(encoding).Count("hello world").ShouldBe(2);
    }

    [Theory]
    // Published in OpenAI's "How to count tokens with tiktoken" notebook for cl100k_base:
    // [83, 1609, 5963, 374, 2294, 0] = "t" "ik" "token" " is" " great" "!"
    [InlineData("tiktoken is great!", 6)]
    // [519, 85342, 34500, 479, 8997, 2191] = "ant" "idis" "establish" "ment" "arian" "ism"
    [InlineData("antidisestablishmentarianism", 6)]
    // "2" " +" " " "2" " =" " " "4": cl100k keeps a space before a digit as its own token.
    [InlineData("2 + 2 = 4", 7)]
    [InlineData("お誕生日おめでとう", 9)]
    public void Count_PublishedCl100kExamples_MatchNotebook(string text, int expected)
    {
        TokenCounter.Cl100k.Count(text).ShouldBe(expected);
    }

    [Fact]
    public void Count_NullOrEmpty_IsZero()
    {
        TokenCounter.O200k.Count(null).ShouldBe(0);
        TokenCounter.O200k.Count("").ShouldBe(0);
    }

    [Fact]
    public void For_SameEncoding_ReturnsCachedInstance()
    {
        TokenCounter.For(TokenCounter.O200kBase).ShouldBeSameAs(TokenCounter.O200k);
    }

    [Fact]
    public void For_UnknownEncoding_ThrowsValidation()
    {
        Should.Throw<StudioValidationException>(() => TokenCounter.For("p50k_base"));
    }

    [Fact]
    public void CountMessages_NotebookJargonExample_Is129WithCl100k()
    {
        // OpenAI's notebook reports 129 prompt tokens for these six messages on gpt-3.5-turbo-0613 / gpt-4
        // (cl100k_base, 3 per message, +1 per name, +3 per conversation), confirmed there against the API.
        MessageContent[] messages =
        [
            new(MessageRole.System, "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
            new(MessageRole.System, "New synergies will help drive top-line growth.", Name: "example_user"),
            new(MessageRole.System, "Things working well together will increase revenue.", Name: "example_assistant"),
            new(MessageRole.System, "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.", Name: "example_user"),
            new(MessageRole.System, "Let's talk later when we're less busy about how to do better.", Name: "example_assistant"),
            new(MessageRole.User, "This late pivot means we don't have time to boil the ocean for the client deliverable."),
        ];

        TokenCounter.Cl100k.CountMessages(messages).ShouldBe(129);
    }

    [Fact]
    public void CountMessages_JsonWithSameMessages_MatchesRecordCount()
    {
        const string json = """
            [{"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
             {"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},
             {"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},
             {"role":"system","name":"example_user","content":"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
             {"role":"system","name":"example_assistant","content":"Let's talk later when we're less busy about how to do better."},
             {"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable."}]
            """;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        TokenCounter.Cl100k.CountMessages(doc.RootElement).ShouldBe(129);
    }

    [Fact]
    public void CountMessages_SimpleConversation_AddsOverheadByConvention()
    {
        // user: 3 + "user"(1) + "hello world"(2) = 6; assistant: 3 + "assistant"(1) + "hello world"(2) = 6; +3 = 15.
        MessageContent[] messages = [new(MessageRole.User, "hello world"), new(MessageRole.Assistant, "hello world")];
        TokenCounter.O200k.CountMessages(messages).ShouldBe(15);
    }

    [Fact]
    public void CountMessage_WeightAndToolCallsJson_NeverThrowAndWeightIsFree()
    {
        const string json = """{"role":"assistant","content":"hello world","weight":1,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}""";
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var withCalls = TokenCounter.O200k.CountMessage(doc.RootElement);
        using var plain = System.Text.Json.JsonDocument.Parse("""{"role":"assistant","content":"hello world","weight":1}""");

        // 3 + 1 + 2 = 6; the weight adds nothing.
        TokenCounter.O200k.CountMessage(plain.RootElement).ShouldBe(6);
        withCalls.ShouldBeGreaterThan(6);
    }
}
