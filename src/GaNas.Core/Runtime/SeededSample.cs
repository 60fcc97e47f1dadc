namespace GaNas.Runtime;

/// <summary>
/// The one seeded draw of distinct indices used wherever a subset is picked (proxy batches, the trainer's proxy rows,
/// <c>ganas proxies --archs random:N:seed</c>): the indices 0..count-1 in the order of one <see cref="Random"/>(seed)
/// key each, the first <c>take</c> of them. Same seed, same subset, on every platform .NET runs on.
/// </summary>
public static class SeededSample
{
    /// <summary>min(<paramref name="take"/>, <paramref name="count"/>) distinct indices of 0..count-1, in draw order.</summary>
    public static int[] Indices(int count, int take, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        var random = new Random(seed);
        return Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(Math.Min(take, count)).ToArray();
    }
}
