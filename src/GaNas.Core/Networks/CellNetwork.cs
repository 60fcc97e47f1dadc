using GaNas.Export;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Networks;

/// <summary>
/// The NATS-Bench macro skeleton shared by both spaces: <c>stem</c> = Conv3x3 (no bias) + BN,
/// <c>cells</c> = cells and residual reduction blocks, <c>lastact</c> = BN + ReLU,
/// <c>global_pooling</c> = adaptive average pool to 1x1, <c>classifier</c> = Linear.
/// Submodule names follow NATS-Bench so state dicts line up. Every forward runs in a dispose scope.
/// </summary>
public sealed class CellNetwork : Module<Tensor, Tensor>, IOnnxExportable, IFoldsBatchNorm
{
    private Conv2d? _foldedStem;
    private bool _foldedAll;
    private readonly Sequential stem;
    private readonly ModuleList<Module<Tensor, Tensor>> cells;
    private readonly Sequential lastact;
    private readonly AdaptiveAvgPool2d global_pooling;
    private readonly Linear classifier;
    private readonly int _stemChannels;

    /// <summary>Creates the network.</summary>
    /// <param name="cell">The cell used by every non-reduction layer.</param>
    /// <param name="stemChannels">Output channels of the stem.</param>
    /// <param name="body">The layers after the stem, in order.</param>
    /// <param name="options">Classes, input channels, batch norm and seed.</param>
    public CellNetwork(CellTopology cell, int stemChannels, IReadOnlyList<StageLayer> body, NetworkOptions options) : base(nameof(CellNetwork))
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Cell = cell;
        Body = body.ToArray();
        Options = options;
        _stemChannels = stemChannels;
        bool bn = options.UseBatchNorm;
        stem = Sequential(Layers.Conv(options.InputChannels, stemChannels, 3, 1, 1), Layers.Norm(stemChannels, bn));
        cells = new ModuleList<Module<Tensor, Tensor>>();
        long previous = stemChannels;
        foreach (StageLayer layer in body)
        {
            cells.Add(layer.IsReduction
                ? new ResNetBasicBlock(previous, layer.Width, bn)
                : new InferCell(cell, previous, layer.Width, bn));
            previous = layer.Width;
        }
        FeatureChannels = previous;
        lastact = Sequential(Layers.Norm(previous, bn), ReLU());
        global_pooling = AdaptiveAvgPool2d(1);
        classifier = Linear(previous, options.Classes);
        RegisterComponents();
        NetworkInitializer.Initialize(this, options.Seed);
    }

    /// <summary>The cell of the non-reduction layers.</summary>
    public CellTopology Cell { get; }

    /// <summary>The body layers after the stem.</summary>
    public IReadOnlyList<StageLayer> Body { get; }

    /// <summary>The options the network was built with.</summary>
    public NetworkOptions Options { get; }

    /// <summary>Channels entering the classifier.</summary>
    public long FeatureChannels { get; }

    /// <summary>The body layers as modules (cells and reduction blocks), for feature hooks.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> BodyModules => cells.ToArray();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (_foldedAll && training) throw new InvalidOperationException("This network's batch norms are folded for scoring; it cannot be trained.");
        using var scope = NewDisposeScope();
        return classifier.call(Features(input)).MoveToOuterDisposeScope();
    }

    /// <summary>The stem's output: the input of the first body block.</summary>
    public Tensor Stem(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return _foldedStem is null ? stem.call(input) : _foldedStem.call(input);
    }

    /// <summary>Pooled features (batch x <see cref="FeatureChannels"/>) before the classifier.</summary>
    public Tensor Features(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        Tensor x = Stem(input);
        for (int i = 0; i < cells.Count; i++) x = cells[i].call(x);
        x = lastact.call(x);
        x = global_pooling.call(x);
        return x.flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Folds the batch norms that follow a convolution into it, for scoring only: the network then computes its
    /// evaluation-mode output with fewer passes, equal up to float rounding (<see cref="BatchNormFolding"/>), with the
    /// convolutions of the cell edges that read the same node fused into one (<see cref="InferCell.FuseEdges"/>), and must
    /// not be trained, saved or exported afterwards (its convolutions hold the folded weights).
    /// </summary>
    public void FoldBatchNormForInference()
    {
        if (_foldedAll) return;
        if (training) throw new InvalidOperationException("Batch norms fold only in evaluation mode: call eval() first.");
        _foldedAll = true;
        BatchNormFolding.FoldAll(this);
        // A scoring-only network has no hooks to keep: its cells run their edges fused (FusedConvolutions).
        foreach (InferCell cell in modules().OfType<InferCell>()) cell.FuseEdges = true;
    }

    /// <summary>
    /// A new network with this one's architecture and a copy of its parameters and buffers, in training or evaluation
    /// mode as this one, for the trainer's data-parallel lanes (<see cref="Training.TrainingOptions.Lanes"/>).
    /// </summary>
    internal CellNetwork Replicate()
    {
        if (IsFoldedForInference) throw new InvalidOperationException("A network with folded batch norms is for scoring only and cannot be replicated for training.");
        var copy = new CellNetwork(Cell, _stemChannels, Body, Options);
        try
        {
            Tensor first = parameters().First();
            copy.to(first.dtype);
            copy.to(first.device);
            using (no_grad())
            {
                var source = state_dict();
                foreach (var (name, target) in copy.state_dict()) target.copy_(source[name]);
            }
            copy.train(training);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Whether batch norms were folded into convolutions (a scoring-only network).</summary>
    internal bool IsFoldedForInference => _foldedAll || _foldedStem is not null;

    void IFoldsBatchNorm.FoldBatchNorm()
    {
        if (_foldedStem is not null) return;
        var parts = stem.children().ToArray();
        var conv = (Conv2d)parts[0];
        if (BatchNormFolding.Fold(conv, (Module<Tensor, Tensor>)parts[1])) _foldedStem = conv;
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input)
    {
        if (_foldedAll) throw new InvalidOperationException("This network's batch norms are folded for scoring; export the network it was folded from.");
        string x = graph.Module(stem, input);
        for (int i = 0; i < cells.Count; i++) x = graph.Module(cells[i], x);
        x = graph.Node("GlobalAveragePool", [graph.Module(lastact, x)]);
        return graph.Module(classifier, graph.Node("Flatten", [x], [OnnxGraph.Int("axis", 1)]));
    }
}
