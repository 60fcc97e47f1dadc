using GaNas.Networks;

namespace GaNas.SearchSpaces;

/// <summary>
/// Shared genome arithmetic for spaces whose genomes are fixed-length vectors of categorical
/// choices: sampling, one-position mutation, uniform crossover, neighbourhoods and mixed-radix codes.
/// </summary>
public abstract class CategoricalSearchSpace : ISearchSpace
{
    private readonly int[] _cardinalities;

    /// <summary>Creates the space from the number of choices of each position.</summary>
    protected CategoricalSearchSpace(IReadOnlyList<int> cardinalities)
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        _cardinalities = cardinalities.ToArray();
        long size = 1;
        foreach (int c in _cardinalities) size = checked(size * c);
        Size = size;
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public int Length => _cardinalities.Length;

    /// <inheritdoc />
    public long Size { get; }

    /// <inheritdoc />
    public int Cardinality(int position) => _cardinalities[position];

    /// <inheritdoc />
    public abstract Genome Parse(string architecture);

    /// <inheritdoc />
    public abstract string Format(Genome genome);

    /// <inheritdoc />
    public abstract CellNetwork BuildNetwork(Genome genome, NetworkOptions options);

    /// <inheritdoc />
    public abstract NetworkOptions BenchmarkOptions(int classes);

    /// <inheritdoc />
    public void Validate(Genome genome)
    {
        ArgumentNullException.ThrowIfNull(genome);
        if (genome.Length != Length)
            throw new ArgumentException($"A {Name} genome has {Length} positions, this one has {genome.Length}.", nameof(genome));
        for (int i = 0; i < Length; i++)
        {
            if (genome[i] < 0 || genome[i] >= _cardinalities[i])
                throw new ArgumentException($"Position {i} of the {Name} genome {genome} is {genome[i]}, outside [0, {_cardinalities[i]}).", nameof(genome));
        }
    }

    /// <inheritdoc />
    public long Encode(Genome genome)
    {
        Validate(genome);
        long code = 0;
        for (int i = 0; i < Length; i++) code = code * _cardinalities[i] + genome[i];
        return code;
    }

    /// <inheritdoc />
    public Genome Decode(long code)
    {
        if (code < 0 || code >= Size)
            throw new ArgumentOutOfRangeException(nameof(code), code, $"A {Name} code lies in [0, {Size}).");
        var genes = new int[Length];
        for (int i = Length - 1; i >= 0; i--)
        {
            genes[i] = (int)(code % _cardinalities[i]);
            code /= _cardinalities[i];
        }
        return new Genome(genes);
    }

    /// <inheritdoc />
    public Genome Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var genes = new int[Length];
        for (int i = 0; i < Length; i++) genes[i] = random.Next(_cardinalities[i]);
        return new Genome(genes);
    }

    /// <inheritdoc />
    public Genome Mutate(Genome genome, Random random)
    {
        Validate(genome);
        ArgumentNullException.ThrowIfNull(random);
        int position = random.Next(Length);
        // Draw among the other values only, so a mutation always changes the genome.
        int value = random.Next(_cardinalities[position] - 1);
        if (value >= genome[position]) value++;
        return genome.With(position, value);
    }

    /// <inheritdoc />
    public Genome Crossover(Genome first, Genome second, Random random)
    {
        Validate(first);
        Validate(second);
        ArgumentNullException.ThrowIfNull(random);
        var genes = new int[Length];
        for (int i = 0; i < Length; i++) genes[i] = random.Next(2) == 0 ? first[i] : second[i];
        return new Genome(genes);
    }

    /// <inheritdoc />
    public IReadOnlyList<Genome> Neighbours(Genome genome)
    {
        Validate(genome);
        var result = new List<Genome>();
        for (int i = 0; i < Length; i++)
        {
            for (int v = 0; v < _cardinalities[i]; v++)
            {
                if (v != genome[i]) result.Add(genome.With(i, v));
            }
        }
        return result;
    }

    /// <inheritdoc />
    public virtual string? Degeneracy(Genome genome) => null;
}
