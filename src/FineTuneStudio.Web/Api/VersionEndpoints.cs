using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

/// <summary>Body of POST /api/datasets/{id}/versions.</summary>
public sealed record CutVersionInput(
    string Target,
    CutStatusFilter Status = CutStatusFilter.Approved,
    IReadOnlyList<string>? Tags = null,
    double ValidationShare = 0.1,
    double TestShare = 0,
    int Seed = 42,
    string? Note = null,
    bool DropUnsupported = false);

public sealed record TargetInfo(
    string Key, string DisplayName, string FileShape, string WeightSupport, bool SystemMessageFirst, int MinimumExamples,
    int TokenLimitPerExample, decimal? PricePerMillionTrainingTokens, string PriceNote, string Status, string? Notice, DateOnly? NewJobsEndOn, string Encoding, string Format,
    IReadOnlyList<string> Carries);

public static class VersionEndpoints
{
    public static void MapVersionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Export").RequireAuthorization(StudioPolicies.Curate);

        group.MapGet("/datasets/{id:int}/versions", async (int id, VersionCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(await catalog.ListAsync(id, ct)))
            .InProject(ScopeKind.Dataset, "id")
            .WithSummary("List a dataset's versions");

        group.MapPost("/datasets/{id:int}/versions", async Task<Created<VersionSummary>> (int id, CutVersionInput input, VersionCutter cutter, HttpContext http, CancellationToken ct) =>
            {
                var version = await cutter.CutAsync(
                    new CutRequest(id, input.Target, input.Status, input.Tags, input.ValidationShare, input.TestShare, input.Seed, input.Note, input.DropUnsupported),
                    http.User.ToActor(), progress: null, ct);
                return TypedResults.Created($"/api/versions/{version.Id}", version);
            })
            .InProject(ScopeKind.Dataset, "id")
            .WithSummary("Cut a new version (validated; nothing is created when the validator reports an error)");

        group.MapGet("/versions/{id:int}", async (int id, VersionCatalog catalog, CancellationToken ct) =>
            TypedResults.Ok(await catalog.GetAsync(id, ct)))
            .InProject(ScopeKind.Version, "id")
            .WithSummary("A version with its manifest and dataset card");

        group.MapGet("/versions/{id:int}/files/{name}", async (int id, string name, VersionFiles files, CancellationToken ct) =>
            {
                var file = await files.OpenFileAsync(id, name, ct);
                return TypedResults.Stream(file.Stream, ContentTypeOf(file.Name), file.Name);
            })
            .InProject(ScopeKind.Version, "id")
            .WithSummary("Download one file of a version (its SHA-256 is checked against the manifest first)");

        group.MapGet("/versions/{id:int}/zip", async (int id, VersionCatalog catalog, VersionFiles files, CancellationToken ct) =>
            {
                var version = await catalog.GetAsync(id, ct);
                var zip = await files.OpenZipAsync(id, ct);
                return TypedResults.Stream(zip, "application/zip", $"dataset-{version.Version.DatasetId}-v{version.Version.Number}.zip");
            })
            .InProject(ScopeKind.Version, "id")
            .WithSummary("Download every file of a version as a zip");

        group.MapGet("/versions/{a:int}/diff/{b:int}", async (int a, int b, VersionDiffs diffs, CancellationToken ct) =>
            TypedResults.Ok(await diffs.DiffAsync(a, b, ct)))
            .InProject(ScopeKind.Version, "a")
            .InProject(ScopeKind.Version, "b")
            .WithSummary("What changed between two versions of a dataset");

        group.MapGet("/export/targets", async (TrainingTargetService targets, CancellationToken ct) =>
                TypedResults.Ok((await targets.ProfilesAsync(ct)).Select(ToInfo).ToList()))
            .WithSummary("The training targets a version can be cut for");

        group.MapGet("/examples/{id:int}/trainable", async (int id, string target, VersionPreview preview, CancellationToken ct) =>
            TypedResults.Ok(await preview.PreviewAsync(id, target, ct)))
            .InProject(ScopeKind.Example, "id")
            .WithSummary("Which parts of an example a target trains on");

        group.MapPost("/export/validate", async (HttpContext http, string? target, string? encoding, int? maxTokens, IOptionsMonitor<UploadLimitOptions> uploads,
                TrainingTargetService targets, CancellationToken ct) =>
            {
                // Either a multipart upload (field "file") or the raw JSONL as the body.
                await using var upload = await Uploads.ReadFormOrBodyAsync(http, uploads, ct);
                target ??= upload.Field("target");
                if (string.IsNullOrWhiteSpace(target))
                {
                    throw new StudioValidationException("target", "Name the training target, e.g. ?target=openai-chat.");
                }

                return TypedResults.Ok(await JsonlFileValidation.ValidateAsync(upload.File, await targets.ProfileAsync(target, ct), encoding, maxTokens, ct));
            })
            .DisableAntiforgery()
            .WithSummary("Validate a JSONL file against a target (upload as form field 'file' or as the raw body; 413 past the upload limit)");
    }

    public static TargetInfo ToInfo(TrainingTargetProfile t) => new(
        t.Key, t.DisplayName, t.FileShape.ToString(), t.WeightSupport.ToString(), t.SystemMessageFirst, t.MinimumExamples,
        t.TokenLimitPerExample, t.PricePerMillionTrainingTokens, t.PriceNote, t.Status.ToString(), t.Notice, t.NewJobsEndOn, t.Encoding, t.Format,
        Enum.GetValues<TargetCapabilities>().Where(c => c != TargetCapabilities.None && t.Carries(c)).Select(TargetFitChecker.KeyOf).ToList());

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".jsonl" => "application/jsonl",
        ".json" => "application/json",
        ".md" => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    };
}
