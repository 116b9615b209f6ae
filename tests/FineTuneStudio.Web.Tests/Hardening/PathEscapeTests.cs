using System.Net;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Hardening;

[Collection(StudioAppCollection.Name)]
public sealed class PathEscapeTests(StudioAppFactory app)
{
    [Fact]
    public async Task VersionFileDownload_NamesThatLeaveTheFolder_AreRefusedWithoutServingAFile()
    {
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            var datasetId = await app.DatasetIdAsync("Ticket urgency");
            var version = await StudioAppFactory.CutVersionAsync(client, datasetId);
            await client.GetAsync($"api/versions/{version.Id}/files/train.jsonl").ShouldHaveStatusAsync(HttpStatusCode.OK);

            // Sent byte for byte (no client-side folding of dot segments), as an attacker's tool would.
            string[] escapes =
            [
                "..%2F..%2F..%2Fstudio.db",
                "%2e%2e%2f%2e%2e%2f%2e%2e%2fstudio.db",
                "%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fstudio.db",
                "..%5C..%5C..%5Cstudio.db",
                "%2Fetc%2Fpasswd",
                Uri.EscapeDataString(app.DatabasePath),
                "train.jsonl%2F..%2F..%2F..%2Fstudio.db",
            ];
            foreach (var name in escapes)
            {
                var response = await RawGetAsync(client, $"api/versions/{version.Id}/files/{name}");
                ((int)response.StatusCode).ShouldBeOneOf([400, 404], $"GET files/{name}");
                await ShouldNotServeAFileAsync(response, name);
            }

            // Kestrel decodes dot segments (also %2e%2e) and folds them into another route of the API; none names a file.
            foreach (var name in new[] { "..", "%2e%2e", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/studio.db", "../../../../studio.db", "../../../../../../etc/passwd" })
            {
                var response = await RawGetAsync(client, $"api/versions/{version.Id}/files/{name}");
                response.Content.Headers.ContentDisposition.ShouldBeNull($"files/{name} answered with a download");
                await ShouldNotServeAFileAsync(response, name);
            }
        }
    }

    private static Task<HttpResponseMessage> RawGetAsync(HttpClient client, string relative) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get,
            new Uri(client.BaseAddress + relative, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true })));

    private static async Task ShouldNotServeAFileAsync(HttpResponseMessage response, string name)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(16).SequenceEqual("SQLite format 3\0"u8.ToArray()).ShouldBeFalse($"files/{name} served the database");
        System.Text.Encoding.UTF8.GetString(bytes).ShouldNotContain("root:x:", Case.Sensitive, $"files/{name} served /etc/passwd");
    }

    [Fact]
    public async Task Upload_FileNameWithAPath_WritesNothingOutsideTheTemporaryFile()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Chat);
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            var marker = $"escape-{Guid.NewGuid():N}.jsonl";
            var storage = Path.GetDirectoryName(app.DatabasePath)!;
            var targets = new[] { Path.Combine(storage, marker), Path.Combine(Path.GetTempPath(), marker), Path.Combine(Directory.GetCurrentDirectory(), marker) };
            const string chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Where is my parcel?\"},{\"role\":\"assistant\",\"content\":\"It left the depot today.\"}]}\n";

            foreach (var fileName in new[] { $"../../{marker}", $"..\\..\\{marker}", Path.Combine(storage, marker), Path.Combine(Path.GetTempPath(), marker) })
            {
                var response = await StudioAppFactory.PostImportAsync(client, datasetId, fileName, chat, new Dictionary<string, string> { ["dryRun"] = "true" });
                response.StatusCode.ShouldBe(HttpStatusCode.OK, fileName);
            }

            foreach (var target in targets)
            {
                File.Exists(target).ShouldBeFalse(target);
            }
        }
    }
}
