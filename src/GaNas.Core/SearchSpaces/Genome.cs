namespace GaNas.SearchSpaces;

/// <summary>
/// An architecture as a fixed-length vector of categorical choices (an operation per edge in TSS,
/// a width per layer in SSS). Immutable, with value equality, so it can key caches and sets.
/// Search strategies only ever see genomes; the <see cref="ISearchSpace"/> knows what they mean.
/// </summary>
public sealed class Genome : IEquatable<Genome>
{
    private readonly int[] _genes;
    private readonly int _hash;

    /// <summary>Creates a genome from its genes (copied).</summary>
    public Genome(IEnumerable<int> genes)
    {
        ArgumentNullException.ThrowIfNull(genes);
        _genes = genes.ToArray();
        var hash = new HashCode();
        foreach (int g in _genes) hash.Add(g);
        _hash = hash.ToHashCode();
    }

    /// <summary>Number of positions.</summary>
    public int Length => _genes.Length;

    /// <summary>The choice at <paramref name="position"/>.</summary>
    public int this[int position] => _genes[position];

    /// <summary>The genes as a read-only span.</summary>
    public ReadOnlySpan<int> Genes => _genes;

    /// <summary>Returns a copy with one position changed.</summary>
    public Genome With(int position, int value)
    {
        int[] copy = (int[])_genes.Clone();
        copy[position] = value;
        return new Genome(copy);
    }

    /// <inheritdoc />
    public bool Equals(Genome? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && _genes.AsSpan().SequenceEqual(other._genes)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Genome);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(",", _genes) + "]";
}
