using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Tests.Quality;

/// <summary>Signatures are stored as one byte per MinHash value; the estimate must still be the full values' share of agreements.</summary>
public sealed class SignatureStoreTests
{
    private const int Size = MinHasher.DefaultSignatureSize;

    private static uint[] Random32(Random random) => Enumerable.Range(0, Size).Select(_ => (uint)random.NextInt64(0, 1L << 32)).ToArray();

    [Fact]
    public void Similarity_SameTextIsOne_AndStoredBytesTakeAQuarterOfTheValues()
    {
        var hasher = new MinHasher();
        var store = new SignatureStore(Size);
        store.Add(hasher.Compute("The export fails for accounts with more than ten thousand rows"));
        store.Add(hasher.Compute("The export fails for accounts with more than ten thousand rows"));

        store.Similarity(0, 1).ShouldBe(1.0);
        store[0].Length.ShouldBe(Size);
    }

    /// <summary>
    /// Pairs of signatures agreeing on exactly k of 128 values, the rest drawn at random: the full values estimate k/128;
    /// the bytes agree in another (128 - k)/256 places on average by chance, which the estimate takes out again.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(102)]
    [InlineData(120)]
    public void Similarity_OverManyPairs_AveragesTheFullValuesEstimate(int agreeing)
    {
        var random = new Random(20261204 + agreeing);
        var store = new SignatureStore(Size);
        const int pairs = 2_000;
        for (var p = 0; p < pairs; p++)
        {
            var a = Random32(random);
            var b = Random32(random);
            a.AsSpan(0, agreeing).CopyTo(b);
            MinHasher.Similarity(a, b).ShouldBe(agreeing / (double)Size, 0.02);
            store.Add(a);
            store.Add(b);
        }

        var mean = Enumerable.Range(0, pairs).Average(p => store.Similarity(2 * p, 2 * p + 1));

        mean.ShouldBe(agreeing / (double)Size, 0.003);
    }

    [Fact]
    public void FindGroups_NearDuplicateTextsGroup_UnrelatedOnesDoNot()
    {
        var hasher = new MinHasher();
        var store = new SignatureStore(Size);
        string[] texts =
        [
            "My invoice for March shows the wrong amount and the wrong VAT number, please fix it",
            "My invoice for March shows the wrong amount and the wrong VAT number, please fix it!",
            "The mobile app crashes when I open the settings page on Android 14",
            "Can I change the billing e-mail address of our team account?",
        ];
        foreach (var text in texts)
        {
            store.Add(hasher.Compute(text));
        }

        NearDuplicateFinder.FindGroups(store, 0.8, _ => true).ShouldBe([[0, 1]]);
    }
}
