using GaNas.Export;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Networks;

/// <summary>
/// A NAS-Bench-201 cell with fixed operations: node i = sum over j &lt; i of op_(i,j)(node j), output = node 3.
/// Edges leaving node 0 map C_in to C_out; the others keep C_out. <c>layers</c> holds one module per edge in canonical order.
/// </summary>
internal sealed class InferCell : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ModuleList<Module<Tensor, Tensor>> layers;
    private readonly (int Target, int Source)[] _edges;
    private readonly bool[] _skip;
    private (int[] Single, (int[] Edges, ReluConvBn[] Modules)[] Groups)[]? _plan;
    private bool _planFolded;

    /// <summary>Creates the cell.</summary>
    public InferCell(CellTopology topology, long cin, long cout, bool useBatchNorm) : base(nameof(InferCell))
    {
        ArgumentNullException.ThrowIfNull(topology);
        layers = new ModuleList<Module<Tensor, Tensor>>();
        var edges = new List<(int, int)>();
        foreach (var (target, source, operation) in topology.Edges)
        {
            long inChannels = source == 0 ? cin : cout;
            layers.Add(CreateOperation(operation, inChannels, cout, useBatchNorm));
            edges.Add((target, source));
        }
        _edges = edges.ToArray();
        // A 'none' edge adds exact zeros, so the forward skips it unless every edge into its node is 'none'
        // (then the first one supplies the zero tensor). Only the sign of a zero can differ from summing it.
        var operations = topology.Edges.Select(e => e.Operation).ToArray();
        _skip = new bool[_edges.Length];
        for (int e = 0; e < _edges.Length; e++)
        {
            if (operations[e] != CellOperation.None) continue;
            int target = _edges[e].Target;
            bool anyReal = Enumerable.Range(0, _edges.Length).Any(k => _edges[k].Target == target && operations[k] != CellOperation.None);
            bool firstNone = Enumerable.Range(0, e).All(k => _edges[k].Target != target);
            _skip[e] = anyReal || !firstNone;
        }
        RegisterComponents();
    }

    /// <summary>The module of one operation, as NATS-Bench builds it.</summary>
    public static Module<Tensor, Tensor> CreateOperation(CellOperation operation, long cin, long cout, bool useBatchNorm) => operation switch
    {
        CellOperation.None => new ZeroOp(cin, cout),
        CellOperation.SkipConnect => cin == cout ? Identity() : new ChannelProjection(cin, cout, useBatchNorm),
        CellOperation.Conv1x1 => new ReluConvBn(cin, cout, 1, 1, 0, useBatchNorm),
        CellOperation.Conv3x3 => new ReluConvBn(cin, cout, 3, 1, 1, useBatchNorm),
        CellOperation.AvgPool3x3 => new PoolOp(cin, cout, useBatchNorm),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown cell operation."),
    };

    /// <summary>
    /// Whether the forward runs the ReLU-Conv-BN edges that leave the same node as one convolution
    /// (<see cref="FusedConvolutions"/>). Equal up to float32 rounding; it bypasses the edges' submodules' forward
    /// hooks, so it is off by default: the trainer turns it on while it trains, and a network folded for scoring keeps it on.
    /// </summary>
    public bool FuseEdges { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        if (FuseEdges) return FusedForward(input).MoveToOuterDisposeScope();
        var nodes = new Tensor?[CellTopology.NodeCount];
        nodes[0] = input;
        for (int e = 0; e < _edges.Length; e++)
        {
            if (_skip[e]) continue;
            var (target, source) = _edges[e];
            Tensor y = layers[e].call(nodes[source]!);
            nodes[target] = nodes[target] is null ? y : nodes[target]!.add(y, GaNas.Runtime.Scalars.One);
        }
        return nodes[CellTopology.NodeCount - 1]!.MoveToOuterDisposeScope();
    }

    // Node by node: a node is complete once every edge into it has run (edges into node j come before those into j + 1,
    // and the sum keeps their order); then every edge leaving it runs, its ReLU-Conv-BN edges as fused groups.
    private Tensor FusedForward(Tensor input)
    {
        var plan = Plan();
        var outputs = new Tensor?[_edges.Length];
        Tensor node = input;
        for (int n = 0; n < CellTopology.NodeCount; n++)
        {
            if (n > 0)
            {
                Tensor? sum = null;
                for (int e = 0; e < _edges.Length; e++)
                {
                    if (_skip[e] || _edges[e].Target != n) continue;
                    sum = sum is null ? outputs[e]! : sum.add(outputs[e]!, GaNas.Runtime.Scalars.One);
                }
                node = sum!;
            }
            if (n == CellTopology.NodeCount - 1) return node;
            var (single, groups) = plan[n];
            foreach (int e in single) outputs[e] = layers[e].call(node);
            if (groups.Length == 0) continue;
            Tensor rectified = nn.functional.relu(node);
            foreach (var (edges, modules) in groups)
            {
                Tensor[] ys = FusedConvolutions.Forward(modules, rectified, training);
                for (int k = 0; k < edges.Length; k++) outputs[edges[k]] = ys[k];
            }
        }
        throw new InvalidOperationException("A cell has an output node.");
    }

    // Which edges leave each node alone and which as fused groups. It depends only on the topology and on whether the
    // edges are folded, so it is built once per folding state, not at every forward.
    private (int[] Single, (int[] Edges, ReluConvBn[] Modules)[] Groups)[] Plan()
    {
        bool folded = layers.OfType<ReluConvBn>().Any(m => m.IsFolded);
        if (_plan is { } cached && _planFolded == folded) return cached;
        var plan = new (int[], (int[], ReluConvBn[])[])[CellTopology.NodeCount - 1];
        for (int n = 0; n < plan.Length; n++)
        {
            var single = new List<int>();
            var groups = new List<(List<int> Edges, List<ReluConvBn> Modules)>();
            for (int e = 0; e < _edges.Length; e++)
            {
                if (_skip[e] || _edges[e].Source != n) continue;
                if (layers[e] is ReluConvBn edge && FusedConvolutions.Compatible(edge, edge))
                {
                    var group = groups.FirstOrDefault(g => FusedConvolutions.Compatible(g.Modules[0], edge));
                    if (group.Edges is null) groups.Add(group = ([], []));
                    group.Edges.Add(e);
                    group.Modules.Add(edge);
                }
                else
                {
                    single.Add(e);
                }
            }
            plan[n] = (single.ToArray(), groups.Select(g => (g.Edges.ToArray(), g.Modules.ToArray())).ToArray());
        }
        (_plan, _planFolded) = (plan, folded);
        return plan;
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input)
    {
        var nodes = new string?[CellTopology.NodeCount];
        nodes[0] = input;
        for (int e = 0; e < _edges.Length; e++)
        {
            if (_skip[e]) continue;
            var (target, source) = _edges[e];
            string y = graph.Module(layers[e], nodes[source]!);
            nodes[target] = nodes[target] is null ? y : graph.Node("Add", [nodes[target]!, y]);
        }
        return nodes[CellTopology.NodeCount - 1]!;
    }
}
