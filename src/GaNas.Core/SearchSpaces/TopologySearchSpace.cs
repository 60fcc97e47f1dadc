using GaNas.Networks;

namespace GaNas.SearchSpaces;

/// <summary>
/// NATS-Bench topology search space (TSS, = NAS-Bench-201): one of 5 operations on each of the 6
/// edges of a 4-node cell, 5^6 = 15,625 cells, stacked in a fixed C=16, N=5 skeleton.
/// Genome position e is the operation of canonical edge e (see <see cref="CellTopology"/>).
/// Benchmark indices are not derivable from the genome; use a benchmark table to map them.
/// </summary>
public sealed class TopologySearchSpace : CategoricalSearchSpace
{
    /// <summary>The shared instance.</summary>
    public static TopologySearchSpace Instance { get; } = new();

    /// <summary>Creates the space.</summary>
    public TopologySearchSpace() : base(Enumerable.Repeat(CellOperations.Names.Count, CellTopology.EdgeCount).ToArray()) { }

    /// <inheritdoc />
    public override string Name => "tss";

    /// <inheritdoc />
    public override Genome Parse(string architecture)
    {
        CellTopology cell = CellTopology.Parse(architecture);
        return new Genome(Enumerable.Range(0, CellTopology.EdgeCount).Select(e => (int)cell[e]));
    }

    /// <summary>The cell a genome stands for.</summary>
    public CellTopology ToCell(Genome genome)
    {
        Validate(genome);
        return new CellTopology(Enumerable.Range(0, genome.Length).Select(e => (CellOperation)genome[e]).ToArray());
    }

    /// <inheritdoc />
    public override string Format(Genome genome) => ToCell(genome).ToString();

    /// <summary>Degenerate cells: no chain of non-<c>none</c> edges from node 0 to node 3 (341 of the 15,625; test <c>Degenerate_cells_are_counted</c>).</summary>
    public override string? Degeneracy(Genome genome) => ToCell(genome).ConnectsInputToOutput
        ? null
        : "degenerate architecture: no path of non-none edges from the cell's input to its output, so the network's output does not depend on the image";

    /// <inheritdoc />
    public override NetworkOptions BenchmarkOptions(int classes) => new() { Classes = classes, Channels = 16, CellsPerStage = 5 };

    /// <inheritdoc />
    public override CellNetwork BuildNetwork(Genome genome, NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int c = options.Channels;
        var stages = new List<StageLayer>();
        for (int stage = 0; stage < 3; stage++)
        {
            int width = c << stage;
            if (stage > 0) stages.Add(StageLayer.Reduction(width));
            for (int i = 0; i < options.CellsPerStage; i++) stages.Add(StageLayer.Cell(width));
        }
        return new CellNetwork(ToCell(genome), c, stages, options);
    }
}
