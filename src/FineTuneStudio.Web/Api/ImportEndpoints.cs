namespace FineTuneStudio.Web.Api;

public static class ImportEndpoints
{
    public static void MapImportEndpoints(this IEndpointRouteBuilder app)
    {
    }
}
