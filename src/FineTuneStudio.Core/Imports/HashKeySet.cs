namespace FineTuneStudio.Core.Imports;

/// <summary>
/// A set of 8-byte keys in one open-addressing array: 8 bytes a slot, at most three quarters full, so about
/// 11–21 bytes per key with the free slots (a HashSet of 16-byte keys takes about 28 and more while it grows).
/// </summary>
internal sealed class HashKeySet
{
    private ulong[] _slots = new ulong[1024];
    private int _used;
    private bool _hasZero;

    public int Count => _used + (_hasZero ? 1 : 0);

    /// <summary>Adds the key; false when it was already there.</summary>
    public bool Add(ulong key)
    {
        if (key == 0)
        {
            // 0 marks a free slot, so the zero key is kept apart.
            var added = !_hasZero;
            _hasZero = true;
            return added;
        }

        if ((_used + 1) * 4 > _slots.Length * 3)
        {
            Grow();
        }

        return Insert(_slots, key);
    }

    public bool Contains(ulong key) => key == 0 ? _hasZero : _slots[Probe(_slots, key)] == key;

    private bool Insert(ulong[] slots, ulong key)
    {
        var slot = Probe(slots, key);
        if (slots[slot] == key)
        {
            return false;
        }

        slots[slot] = key;
        if (ReferenceEquals(slots, _slots))
        {
            _used++;
        }

        return true;
    }

    /// <summary>The slot that holds the key, or the free slot where it belongs (linear probing from its hash).</summary>
    private static int Probe(ulong[] slots, ulong key)
    {
        var mask = slots.Length - 1;
        var slot = (int)(key ^ (key >> 29)) & mask;
        while (slots[slot] != 0 && slots[slot] != key)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private void Grow()
    {
        var old = _slots;
        var grown = new ulong[old.Length * 2];
        foreach (var key in old)
        {
            if (key != 0)
            {
                Insert(grown, key);
            }
        }

        _slots = grown;
    }
}
