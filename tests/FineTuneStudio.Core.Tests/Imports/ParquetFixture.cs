using System.IO.Compression;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>Parquet files shaped like Hugging Face datasets files, written in memory with Parquet.Net's writer.</summary>
internal static class ParquetFixture
{
    public static readonly ParquetSchema MessagesSchema = new(
        new ListField("messages", new StructField("element", new DataField<string>("role"), new DataField<string>("content"))));

    /// <summary>A Hugging Face ClassLabel: the int64 index in the column, the names only in the <c>huggingface</c> metadata.</summary>
    public const string ClassLabelMetadata =
        """{"info": {"features": {"text": {"dtype": "string", "_type": "Value"}, "label": {"names": ["negative", "positive"], "_type": "ClassLabel"}}}}""";

    public static IDictionary<string, object?> Conversation(params (string Role, string Content)[] turns) => new Dictionary<string, object?>
    {
        ["messages"] = turns.Select(t => (IDictionary<string, object?>)new Dictionary<string, object?> { ["role"] = t.Role, ["content"] = t.Content }).ToList(),
    };

    public static IDictionary<string, object?> Row(params (string Column, object? Value)[] cells) =>
        cells.ToDictionary(c => c.Column, c => c.Value);

    public static async Task<MemoryStream> WriteAsync(ParquetSchema schema, IReadOnlyCollection<IDictionary<string, object?>> rows,
        int rowGroupSize = 1000, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var stream = new MemoryStream();
        await ParquetSerializer.SerializeUntypedAsync(rows, schema, stream, new ParquetOptions { RowGroupSize = rowGroupSize }, metadata, CancellationToken.None);
        stream.Position = 0;
        return stream;
    }

    public static MemoryStream Gzip(byte[] plain)
    {
        var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        packed.Position = 0;
        return packed;
    }
}
