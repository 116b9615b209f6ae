using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>
/// Every route that takes a file obeys the one configured upload limit. The files here are just over a 1 KB
/// limit, well inside the 64 KB the request-size check allows for the multipart envelope, so each route's own
/// reading must stop them; sent without a length (chunked), nothing is known before reading.
/// </summary>
[Collection(StudioAppCollection.Name)]
public sealed class UploadLimitTests(StudioAppFactory app)
{
    private const string TooLarge = "The file is larger than the upload limit of 1 KB; split it into smaller files or import it with the fts command line.";

    public static TheoryData<string, bool> Routes => new()
    {
        { "imports", false }, { "imports", true },
        { "imports/preview", false },
        { "eval-items", false }, { "eval-items", true },
        { "eval-runs", false },
        { "training-metrics", false },
        { "feedback-logs", false }, { "feedback-logs", true },
        { "validate", false },
        { "validate-raw-body", false }, { "validate-raw-body", true },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Upload_JustOverTheLimit_Is413WithTheLimitInTheProblem(string route, bool chunked)
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var path = await PathAsync(route);
        var file = new byte[2048];
        Array.Fill(file, (byte)'x');

        HttpResponseMessage response;
        using (app.UploadLimit(1024))
        {
            HttpContent body = route == "validate-raw-body" ? Content(file, chunked) : Form(file, chunked);
            using (body)
            {
                response = await lead.PostAsync(path, body);
            }
        }

        await response.ShouldHaveStatusAsync(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("title").GetString().ShouldBe("The request body is too large");
        problem.GetProperty("detail").GetString().ShouldBe(TooLarge);
    }

    private async Task<string> PathAsync(string route)
    {
        switch (route)
        {
            case "imports" or "imports/preview":
                var (_, datasetId) = await app.CreateImportTargetAsync();
                return $"api/datasets/{datasetId}/{route}";
            case "validate" or "validate-raw-body":
                return "api/export/validate?target=openai-chat";
        }

        var (projectId, setId) = await app.CreateGenerationSetAsync(items: 1);
        return route switch
        {
            "eval-items" => $"api/eval-sets/{setId}/items",
            "eval-runs" => $"api/eval-sets/{setId}/runs",
            "training-metrics" => $"api/projects/{projectId}/training-metrics",
            "feedback-logs" => $"api/projects/{projectId}/logs",
            _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
        };
    }

    private static MultipartFormDataContent Form(byte[] file, bool chunked)
    {
        var form = new MultipartFormDataContent { { new StringContent("Too big"), "name" }, { Content(file, chunked), "file", "big.jsonl" } };
        if (chunked)
        {
            form.Headers.ContentLength = null;
        }

        return form;
    }

    /// <summary>The bytes, with a known length or streamed without one.</summary>
    private static HttpContent Content(byte[] bytes, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        return content;
    }

    /// <summary>A stream that does not say how long it is, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
