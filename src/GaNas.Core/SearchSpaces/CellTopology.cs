namespace GaNas.SearchSpaces;

/// <summary>
/// The DAG of a NAS-Bench-201 cell: nodes 0..3, node i sums one operation applied to each earlier
/// node j &lt; i. Edges are ordered (1,0), (2,0), (2,1), (3,0), (3,1), (3,2), which is also the
/// order of the canonical string <c>|op~0|+|op~0|op~1|+|op~0|op~1|op~2|</c>.
/// </summary>
public sealed class CellTopology
{
    /// <summary>Number of nodes, including the input node 0.</summary>
    public const int NodeCount = 4;

    /// <summary>Number of edges (6).</summary>
    public const int EdgeCount = NodeCount * (NodeCount - 1) / 2;

    private readonly CellOperation[] _operations;

    /// <summary>Creates a cell from its six edge operations in canonical order.</summary>
    public CellTopology(IReadOnlyList<CellOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count != EdgeCount)
            throw new ArgumentException($"A cell has {EdgeCount} edges, {operations.Count} operations were given.", nameof(operations));
        _operations = operations.ToArray();
    }

    /// <summary>The edges as (target node, source node, operation), in canonical order.</summary>
    public IEnumerable<(int Target, int Source, CellOperation Operation)> Edges
    {
        get
        {
            int e = 0;
            for (int target = 1; target < NodeCount; target++)
            {
                for (int source = 0; source < target; source++) yield return (target, source, _operations[e++]);
            }
        }
    }

    /// <summary>
    /// Whether some chain of edges that are not <c>none</c> leads from the input node 0 to the output node 3. Without
    /// one, every cell's output is zero whatever its input, so the network's prediction does not depend on the image
    /// (it trains to a constant, chance-level classifier). Cells whose only paths are skip connections or pooling do
    /// depend on their input and are not degenerate.
    /// </summary>
    public bool ConnectsInputToOutput
    {
        get
        {
            var reached = new bool[NodeCount];
            reached[0] = true;
            foreach (var (target, source, operation) in Edges)
            {
                if (reached[source] && operation != CellOperation.None) reached[target] = true;
            }
            return reached[NodeCount - 1];
        }
    }

    /// <summary>The operation of edge <paramref name="edge"/> in canonical order.</summary>
    public CellOperation this[int edge] => _operations[edge];

    /// <summary>The cell every SSS network uses.</summary>
    public static CellTopology SizeSpaceCell { get; } = Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|");

    /// <summary>Canonical string.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        int e = 0;
        for (int target = 1; target < NodeCount; target++)
        {
            if (target > 1) sb.Append('+');
            sb.Append('|');
            for (int source = 0; source < target; source++)
            {
                sb.Append(_operations[e++].Name()).Append('~').Append(source).Append('|');
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Parses the canonical string. Errors name the node, the edge and the character position.
    /// </summary>
    public static CellTopology Parse(string architecture)
    {
        const string space = "tss";
        ArgumentNullException.ThrowIfNull(architecture);
        string text = architecture;
        if (text.Trim().Length == 0) throw new ArchitectureFormatException(space, text, 0, "the string is empty");
        string[] nodes = text.Split('+');
        if (nodes.Length != NodeCount - 1)
            throw new ArchitectureFormatException(space, text, 0, $"expected {NodeCount - 1} nodes separated by '+', found {nodes.Length}");
        var ops = new List<CellOperation>(EdgeCount);
        int offset = 0;
        for (int n = 0; n < nodes.Length; n++)
        {
            int target = n + 1;
            string node = nodes[n];
            if (node.Length < 2 || node[0] != '|' || node[^1] != '|')
                throw new ArchitectureFormatException(space, text, offset, $"node {target} must be written as |op~j|...|, found '{node}'");
            string[] edges = node[1..^1].Split('|');
            if (edges.Length != target)
                throw new ArchitectureFormatException(space, text, offset, $"node {target} must have {target} input edge(s), found {edges.Length}");
            int edgeOffset = offset + 1;
            for (int source = 0; source < edges.Length; source++)
            {
                string edge = edges[source];
                int tilde = edge.IndexOf('~', StringComparison.Ordinal);
                if (tilde < 0)
                    throw new ArchitectureFormatException(space, text, edgeOffset, $"edge '{edge}' of node {target} must be 'op~{source}'");
                string opName = edge[..tilde];
                string inputText = edge[(tilde + 1)..];
                if (!CellOperations.TryParse(opName, out CellOperation op))
                    throw new ArchitectureFormatException(space, text, edgeOffset, $"unknown operation '{opName}' on edge {source}->{target} (expected one of {string.Join(", ", CellOperations.Names)})");
                if (!int.TryParse(inputText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int input) || input != source)
                    throw new ArchitectureFormatException(space, text, edgeOffset + tilde + 1, $"edge {source + 1} of node {target} must read from node {source}, found '~{inputText}'");
                ops.Add(op);
                edgeOffset += edge.Length + 1;
            }
            offset += node.Length + 1;
        }
        return new CellTopology(ops);
    }
}
