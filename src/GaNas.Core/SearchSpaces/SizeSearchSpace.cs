using System.Globalization;
using GaNas.Networks;

namespace GaNas.SearchSpaces;

/// <summary>
/// NATS-Bench size search space (SSS): the widths of the five layers [cell, reduction, cell,
/// reduction, cell] each from {8, 16, ..., 64}, 8^5 = 32,768 configurations, all with the fixed
/// cell <see cref="CellTopology.SizeSpaceCell"/>. String <c>w1:w2:w3:w4:w5</c>; the genome's code
/// is the benchmark index (lexicographic order, 0 = 8:8:8:8:8).
/// </summary>
public sealed class SizeSearchSpace : CategoricalSearchSpace
{
    /// <summary>The candidate widths.</summary>
    public static IReadOnlyList<int> Widths { get; } = [8, 16, 24, 32, 40, 48, 56, 64];

    /// <summary>Number of layers whose width is searched.</summary>
    public const int LayerCount = 5;

    /// <summary>The shared instance.</summary>
    public static SizeSearchSpace Instance { get; } = new();

    /// <summary>Creates the space.</summary>
    public SizeSearchSpace() : base(Enumerable.Repeat(Widths.Count, LayerCount).ToArray()) { }

    /// <inheritdoc />
    public override string Name => "sss";

    /// <inheritdoc />
    public override Genome Parse(string architecture)
    {
        const string space = "sss";
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.Trim().Length == 0) throw new ArchitectureFormatException(space, architecture, 0, "the string is empty");
        string[] parts = architecture.Split(':');
        if (parts.Length != LayerCount)
            throw new ArchitectureFormatException(space, architecture, 0, $"expected {LayerCount} widths separated by ':', found {parts.Length}");
        var genes = new int[LayerCount];
        int offset = 0;
        for (int i = 0; i < LayerCount; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int width))
                throw new ArchitectureFormatException(space, architecture, offset, $"width {i + 1} '{parts[i]}' is not a whole number");
            int gene = Widths.ToList().IndexOf(width);
            if (gene < 0)
                throw new ArchitectureFormatException(space, architecture, offset, $"width {i + 1} is {width}; allowed widths are {string.Join(", ", Widths)}");
            genes[i] = gene;
            offset += parts[i].Length + 1;
        }
        return new Genome(genes);
    }

    /// <inheritdoc />
    public override string Format(Genome genome)
    {
        Validate(genome);
        return string.Join(':', Enumerable.Range(0, LayerCount).Select(i => Widths[genome[i]].ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The five layer widths of a genome.</summary>
    public IReadOnlyList<int> LayerWidths(Genome genome)
    {
        Validate(genome);
        return Enumerable.Range(0, LayerCount).Select(i => Widths[genome[i]]).ToArray();
    }

    /// <inheritdoc />
    public override NetworkOptions BenchmarkOptions(int classes) => new() { Classes = classes, Channels = 16, CellsPerStage = 1 };

    /// <summary>
    /// Builds the SSS network. <see cref="NetworkOptions.CellsPerStage"/> repeats each cell layer;
    /// <see cref="NetworkOptions.Channels"/> is ignored (the genome gives the widths).
    /// </summary>
    public override CellNetwork BuildNetwork(Genome genome, NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IReadOnlyList<int> w = LayerWidths(genome);
        var layers = new List<StageLayer>();
        for (int i = 0; i < LayerCount; i++)
        {
            bool reduction = i % 2 == 1;
            if (reduction) layers.Add(StageLayer.Reduction(w[i]));
            else for (int k = 0; k < options.CellsPerStage; k++) layers.Add(StageLayer.Cell(w[i]));
        }
        return new CellNetwork(CellTopology.SizeSpaceCell, w[0], layers, options);
    }

}
