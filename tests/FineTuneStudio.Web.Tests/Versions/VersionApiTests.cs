using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Versions;

[Collection(StudioAppCollection.Name)]
public sealed class VersionApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task Labeler_CannotListCutOrDownloadVersions()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;

        await labeler.GetAsync($"api/datasets/{datasetId}/versions").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.PostAsJsonAsync($"api/datasets/{datasetId}/versions", new { target = "openai-chat" }).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        // A version of a project the labeler works in: the role, not the wall, refuses it.
        var team = await app.CreateProjectWithOneOfEachAsync();
        await app.JoinDemoTeamAsync(team.ProjectId);
        await labeler.GetAsync($"api/versions/{team.VersionId}/files/train.jsonl").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync("api/export/targets").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MlLead_CutsAVersion_AndDownloadsFilesThatMatchTheManifest()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var version = await StudioAppFactory.CutVersionAsync(lead, datasetId);

        using var detail = JsonDocument.Parse(await lead.GetStringAsync($"api/versions/{version.Id}"));
        using var manifest = JsonDocument.Parse(detail.RootElement.GetProperty("manifestJson").GetString()!);
        foreach (var file in manifest.RootElement.GetProperty("files").EnumerateArray())
        {
            var bytes = await lead.GetByteArrayAsync($"api/versions/{version.Id}/files/{file.GetProperty("name").GetString()}");
            Convert.ToHexStringLower(SHA256.HashData(bytes)).ShouldBe(file.GetProperty("sha256").GetString());
        }

        var zip = await lead.GetAsync($"api/versions/{version.Id}/zip");
        await zip.ShouldHaveStatusAsync(HttpStatusCode.OK);
        zip.Content.Headers.ContentType!.MediaType.ShouldBe("application/zip");

        var listed = await lead.GetStringAsync($"api/datasets/{datasetId}/versions");
        listed.ShouldContain($"\"id\":{version.Id}");
    }

    [Theory]
    [InlineData("..%2F..%2Fstudio.db")]
    [InlineData("..%2Fmanifest.json")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("TRAIN.JSONL")]
    public async Task FileDownload_WithANameThatIsNotAFileOfTheVersion_IsRefused(string name)
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var version = await StudioAppFactory.CutVersionAsync(lead, datasetId);

        var response = await lead.GetAsync($"api/versions/{version.Id}/files/{name}");

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Validate_Upload_ReturnsTheReportWithLineNumbers()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var text = """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}""" + "\n" + "oops\n";
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", "data.jsonl" },
            { new StringContent("openai-chat"), "target" },
        };

        var response = await lead.PostAsync("api/export/validate", form);

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        report.RootElement.GetProperty("isValid").GetBoolean().ShouldBeFalse();
        report.RootElement.GetProperty("errors").EnumerateArray().ShouldContain(e => e.GetProperty("line").ValueKind == JsonValueKind.Number && e.GetProperty("line").GetInt32() == 2);
    }

    [Fact]
    public async Task Targets_ListsEveryProfileWithTheOpenAiNotice()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        using var targets = JsonDocument.Parse(await lead.GetStringAsync("api/export/targets"));

        // The nine built-in targets first (other tests on this host may have added more after them).
        targets.RootElement.EnumerateArray().Take(9).Select(t => t.GetProperty("key").GetString())
            .ShouldBe(["openai-chat", "openai-dpo", "hf-messages", "hf-prompt-completion", "hf-preference", "axolotl-chat", "vertex-gemini", "bedrock-claude", "bedrock-nova"]);
        var openAi = targets.RootElement.EnumerateArray().Single(t => t.GetProperty("key").GetString() == "openai-chat");
        openAi.GetProperty("newJobsEndOn").GetString().ShouldBe("2027-01-06");
    }
}
