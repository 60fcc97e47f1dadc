using GaNas.Networks;
using TorchSharp;

namespace GaNas.SearchSpaces;

/// <summary>
/// A NAS search space: the set of genomes, their string form, the genetic operators every search
/// strategy needs, a stable integer encoding, and the TorchSharp network a genome stands for.
/// </summary>
public interface ISearchSpace
{
    /// <summary>Short name as used on the command line and in files ("tss", "sss").</summary>
    string Name { get; }

    /// <summary>Number of positions of every genome.</summary>
    int Length { get; }

    /// <summary>Number of choices at <paramref name="position"/>.</summary>
    int Cardinality(int position);

    /// <summary>Number of distinct architectures.</summary>
    long Size { get; }

    /// <summary>Parses an architecture string; throws <see cref="ArchitectureFormatException"/> naming the problem.</summary>
    Genome Parse(string architecture);

    /// <summary>Formats a genome as the canonical architecture string.</summary>
    string Format(Genome genome);

    /// <summary>Throws <see cref="ArgumentException"/> when the genome does not belong to this space.</summary>
    void Validate(Genome genome);

    /// <summary>Stable integer code in [0, Size): mixed radix, first position most significant.</summary>
    long Encode(Genome genome);

    /// <summary>Inverse of <see cref="Encode"/>.</summary>
    Genome Decode(long code);

    /// <summary>Uniform random genome.</summary>
    Genome Sample(Random random);

    /// <summary>Changes exactly one uniformly chosen position to a different value.</summary>
    Genome Mutate(Genome genome, Random random);

    /// <summary>Uniform crossover: each position comes from either parent with probability 1/2.</summary>
    Genome Crossover(Genome first, Genome second, Random random);

    /// <summary>All genomes that differ from <paramref name="genome"/> in exactly one position.</summary>
    IReadOnlyList<Genome> Neighbours(Genome genome);

    /// <summary>
    /// Why the genome's network cannot learn from its input, decided from the genome alone (no forward pass), or null
    /// when it can. Every proxy and score treats a degenerate architecture as failed, so no strategy returns one and no
    /// trainer trains one.
    /// </summary>
    string? Degeneracy(Genome genome);

    /// <summary>Builds the untrained network for a genome.</summary>
    CellNetwork BuildNetwork(Genome genome, NetworkOptions options);

    /// <summary>The network options that reproduce the benchmark's networks for <paramref name="classes"/> classes.</summary>
    NetworkOptions BenchmarkOptions(int classes);
}
