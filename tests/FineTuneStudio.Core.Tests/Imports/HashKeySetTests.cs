using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Tests.Imports;

public class HashKeySetTests
{
    [Fact]
    public void Add_ManyKeysAcrossGrowth_ReportsEachRepeatOnce()
    {
        var set = new HashKeySet();
        var repeats = 0;
        // 0 .. 4,999 then 2,500 .. 7,499 (multiplied to spread the bits): 2,500 repeats, 7,500 distinct keys, 0 among them.
        foreach (var i in Enumerable.Range(0, 5000).Concat(Enumerable.Range(2500, 5000)))
        {
            if (!set.Add((ulong)i * 0x9E3779B97F4A7C15UL))
            {
                repeats++;
            }
        }

        repeats.ShouldBe(2500);
        set.Count.ShouldBe(7500);
    }

    [Fact]
    public void HashKey_HexHash_IsItsFirstSixteenDigits()
    {
        ImportService.HashKey("00000000000000ff" + new string('a', 48)).ShouldBe(255UL);
        ImportService.HashKey("not a hash").ShouldBe(ImportService.HashKey("not a hash"));
        ImportService.HashKey("not a hash").ShouldNotBe(ImportService.HashKey("not a hash either"));
    }
}
