using System.Net;
using System.Net.Sockets;
using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>An eval schema's <c>$ref</c> to a URL must never make the server send a request (server-side request forgery).</summary>
public sealed class SchemaReferenceTests
{
    [Fact]
    public async Task ScoreAsync_SchemaWithRefToALocalListener_NeverConnectsAndTheItemFails()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var schema = "{\"type\": \"object\", \"properties\": {\"city\": {\"$ref\": \"http://127.0.0.1:" + port + "/city.json\"}}}";
        ScoringItem[] items = [new("1", "{}", null, schema)];

        var run = await EvalScorer.ScoreAsync(items, new Dictionary<string, string?> { ["1"] = """{"city": "Oslo"}""" }, ["json-schema"]);

        // Give a request that was sent a moment to arrive: a pending connection would be waiting to be accepted.
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var connected = false;
        try
        {
            using var client = await listener.AcceptTcpClientAsync(wait.Token);
            connected = true;
        }
        catch (OperationCanceledException)
        {
        }

        connected.ShouldBeFalse("the scorer fetched the schema's external reference");
        run.Items.Single().Scores["json-schema"].ShouldBe(0);
    }

    [Fact]
    public void ParseItems_SchemaWithExternalRef_IsALineErrorNamingTheReference()
    {
        var text = """
            {"id": "a", "expected": "{}", "schema": {"type": "object", "$defs": {"c": {"type": "string"}}, "properties": {"city": {"$ref": "#/$defs/c"}}}}
            {"id": "b", "expected": "{}", "schema": {"properties": {"x": {"$ref": "file:///etc/passwd"}}}}
            """;

        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems(text, "items.jsonl")).Errors.Single();

        (error.Line, error.Field).ShouldBe((2, "schema"));
        error.Message.ShouldContain("'file:///etc/passwd' outside itself");
    }

    [Theory]
    [InlineData("""{"$ref": "#/definitions/a"}""", null)]
    [InlineData("""{"items": [{"$ref": "other.json#/x"}]}""", "other.json#/x")]
    [InlineData("""{"a": {"$ref": 5}}""", "5")]
    [InlineData("not json", null)]
    public void FirstExternal_FindsReferencesThatLeaveTheDocument(string schema, string? expected) =>
        SchemaReferences.FirstExternal(schema).ShouldBe(expected);
}
