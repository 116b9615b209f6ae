using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

public static class ImportEndpoints
{
    private const int PreviewRows = 20;

    public static void MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets/{id:int}/imports").WithTags("Imports").InProject(ScopeKind.Dataset, "id").RequireAuthorization(StudioPolicies.Review);

        group.MapPost("/", async Task<Results<Ok<ImportResult>, ProblemHttpResult>> (
                int id, HttpContext http, ImportService imports, DatasetService datasets, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await datasets.GetAsync(id, ct);
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                var options = ImportSettings.Parse(upload.Field("format"), upload.Field("status"), upload.Field("duplicates"), upload.Field("mapping"),
                    bool.TryParse(upload.Field("dryRun"), out var dryRun) && dryRun, upload.Field("invalid")) with { MaxBytes = uploads.CurrentValue.MaxUploadBytes };
                var result = await imports.ImportAsync(id, upload.File, options, http.User.ToActor(), null, ct);
                if (result.Succeeded)
                {
                    return TypedResults.Ok(result);
                }

                return RefusedImports.Problem(result.Errors, result.TotalErrors, result.CanSkipInvalid, result.InvalidRecords, result.ValidRecords, result.ProblemCounts);
            })
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Import examples from a file, all or nothing unless records with problems are to be skipped")
            .WithDescription($"Multipart form: file (CSV, JSONL, a JSON array or Hugging Face Parquet; gzip-compressed files are unpacked, the size limit applying to the unpacked bytes), and optional fields format ({string.Join(", ", ImportSettings.Formats.Select(f => f.Name))}), "
                + "status (draft, submitted, approved), duplicates (skip, keep), invalid (refuse, the default: any record with a problem stops the import; skip: such records are left out and listed in leftOut, a problem with the file itself still stops it), dryRun (true/false), mapping (CSV: system=COL,user=COL,input=COL,assistant=COL,label=COL,tags=COL; input is text added after the user message). "
                + "Any error: 400 listing the first 100 as 'line N: field: message' with errors_total, and nothing is written; when only some records have problems, records_with_problems and records_without_problems say what invalid=skip would do. Past the size limit: 413.");

        group.MapPost("/preview", async Task<Ok<CsvPreview>> (
                int id, HttpContext http, DatasetService datasets, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await datasets.GetAsync(id, ct);
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                return TypedResults.Ok(await new CsvExampleParser().PreviewAsync(upload.File, PreviewRows, ct));
            })
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Read a CSV file's headers and first rows, with a suggested column mapping");
    }
}
