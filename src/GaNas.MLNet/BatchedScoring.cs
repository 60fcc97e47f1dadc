using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.MLNet;

/// <summary>
/// <c>Transform</c> of a GaNas model with the network run on many rows per forward pass. The saved pipeline scores row
/// by row (a CustomMapping, which is what ML.NET can save and load and what a PredictionEngine needs); here the
/// pipeline's steps before the scoring mapping and after it are applied as they are, and the mapping itself is replaced
/// by <see cref="BatchedScoringView"/>, which gives the same columns.
/// </summary>
internal static class BatchedScoring
{
    /// <summary>Rows per forward pass.</summary>
    public const int BatchSize = 256;

    /// <summary>The output of <paramref name="model"/> on <paramref name="input"/>, scored in batches; any model without a GaNas scoring step is applied as it is.</summary>
    public static IDataView Transform(ITransformer model, IDataView input) => Apply(model, input, _ => { });

    /// <summary>
    /// Applies <paramref name="model"/> to <paramref name="input"/> step by step, replacing each GaNas scoring mapping
    /// by a <see cref="BatchedScoringView"/>, which is also handed to <paramref name="atScoring"/> (to read the network
    /// it carries, for example). Nothing is computed until the result is read.
    /// </summary>
    public static IDataView Apply(ITransformer model, IDataView input, Action<BatchedScoringView> atScoring)
    {
        IDataView view = input;
        foreach (ITransformer part in Flatten(model))
        {
            if (BatchedScoringView.Replaces(part, view.Schema) is { } encoded)
            {
                var scoring = new BatchedScoringView(view, encoded, BatchSize);
                atScoring(scoring);
                view = scoring;
            }
            else
            {
                view = part.Transform(view);
            }
        }
        return view;
    }

    /// <summary>The transformers a model applies, in order: chains opened, GaNas wrappers replaced by the saved pipeline they carry.</summary>
    public static IEnumerable<ITransformer> Flatten(ITransformer transformer) => transformer switch
    {
        TrainingFreeNasTransformer fitted => Flatten(fitted.Pipeline),
        BatchedModel loaded => Flatten(loaded.Inner),
        IEnumerable<ITransformer> chain => chain.SelectMany(Flatten),
        _ => [transformer],
    };
}

/// <summary>
/// The GaNas scoring columns (<see cref="ScoringOutput"/>) over a view holding the features and the network: a cursor
/// reads the next <c>batchSize</c> rows' inputs through a second cursor of the same view, scores them in one forward
/// pass, and serves them as its main cursor moves; every other column comes from the main cursor. The network column is
/// the pipeline's constant (a ValueMapping of a constant key), so it is read once per cursor, from the first row, by a
/// cursor of its own: the cursor reading the features does not ask for it, because ML.NET's parallel cursors fetch
/// every requested column of every row, and a copy of the network's bytes per row took about a quarter of the
/// process's time (docs/performance.md, scoring throughput). Every cursor reads the source in its order (a shuffle
/// request is ignored, as ML.NET allows), so row i always gets row i's scores.
/// </summary>
internal sealed class BatchedScoringView : IDataView
{
    private const string FeaturesColumn = nameof(PixelScoringInput.GaNasFeatures);
    private const string ModelColumn = nameof(PixelScoringInput.GaNasModel);
    private const string ScoreColumn = nameof(ScoringOutput.GaNasPaddedScore);
    private const string IndexColumn = nameof(ScoringOutput.GaNasPredictedIndex);

    /// <summary>Fewest rows a forward pass gets (see <see cref="Cursor"/>'s padding).</summary>
    internal const int MinimumRows = 16;

    private readonly IDataView _source;
    private readonly bool _encoded;
    private readonly int _batchSize;

    public BatchedScoringView(IDataView source, bool encoded, int batchSize)
    {
        _source = source;
        _encoded = encoded;
        _batchSize = batchSize;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(source.Schema.Where(c => !c.IsHidden && c.Name is not ScoreColumn and not IndexColumn));
        builder.AddColumn(ScoreColumn, new VectorDataViewType(NumberDataViewType.Single, TrainingFreeNasLimits.MaxClasses));
        builder.AddColumn(IndexColumn, NumberDataViewType.UInt32);
        Schema = builder.ToSchema();
    }

    /// <summary>
    /// Whether <paramref name="transformer"/> is a GaNas scoring mapping on this schema (it adds the scoring columns to
    /// features and a network): null if not, else whether it scores encoded images. Only the steps between the network's
    /// ValueMapping and the scoring mapping see such a schema, so hardly any transformer is asked for its output schema.
    /// </summary>
    public static bool? Replaces(ITransformer transformer, DataViewSchema input)
    {
        if (input.GetColumnOrNull(FeaturesColumn) is not { } features || input.GetColumnOrNull(ModelColumn) is null || input.GetColumnOrNull(ScoreColumn) is not null) return null;
        DataViewSchema output;
        try
        {
            output = transformer.GetOutputSchema(input);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null;
        }
        if (output.GetColumnOrNull(ScoreColumn) is null || output.GetColumnOrNull(IndexColumn) is null) return null;
        return features.Type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte;
    }

    /// <summary>The network of the first row (every row carries the same one; see the class summary).</summary>
    public NetworkModel FirstNetwork()
    {
        DataViewSchema.Column column = _source.Schema[ModelColumn];
        using DataViewRowCursor cursor = _source.GetRowCursor([column]);
        if (!cursor.MoveNext()) throw new InvalidDataException("The data have no rows; the network is read from the first row.");
        VBuffer<byte> blob = default;
        cursor.GetGetter<VBuffer<byte>>(column)(ref blob);
        return NetworkModel.FromBytes(blob.GetValues());
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        bool scores = needed.Any(c => c.Name is ScoreColumn or IndexColumn);
        var passThrough = needed.Where(c => c.Name is not ScoreColumn and not IndexColumn).Select(c => _source.Schema[c.Name]).ToList();
        DataViewRowCursor main = _source.GetRowCursor(passThrough);
        if (!scores) return new Cursor(this, main, null, needed);
        DataViewRowCursor ahead = _source.GetRowCursor([_source.Schema[FeaturesColumn]]);
        return new Cursor(this, main, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchedScoringView _view;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly HashSet<string> _active;
        private readonly ValueGetter<VBuffer<float>>? _pixels;
        private readonly ValueGetter<VBuffer<byte>>? _bytes;
        private readonly List<ScoringOutput> _scored = [];
        private Task<ScoringOutput[]>? _pending;
        private int _next;
        private NetworkModel? _network;
        private VBuffer<float> _floats;
        private VBuffer<byte> _image;

        public Cursor(BatchedScoringView view, DataViewRowCursor main, DataViewRowCursor? ahead, List<DataViewSchema.Column> needed)
        {
            _view = view;
            _main = main;
            _ahead = ahead;
            _active = needed.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            if (ahead is null) return;
            if (view._encoded) _bytes = ahead.GetGetter<VBuffer<byte>>(ahead.Schema[FeaturesColumn]);
            else _pixels = ahead.GetGetter<VBuffer<float>>(ahead.Schema[FeaturesColumn]);
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _main.Position;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Name);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Name is ScoreColumn)
            {
                ValueGetter<VBuffer<float>> score = (ref VBuffer<float> value) => value = new VBuffer<float>(TrainingFreeNasLimits.MaxClasses, Current.GaNasPaddedScore);
                return (ValueGetter<TValue>)(Delegate)score;
            }
            if (column.Name is IndexColumn)
            {
                ValueGetter<uint> index = (ref uint value) => value = Current.GaNasPredictedIndex;
                return (ValueGetter<TValue>)(Delegate)index;
            }
            return _main.GetGetter<TValue>(_main.Schema[column.Name]);
        }

        private ScoringOutput Current => _next > 0 && _next <= _scored.Count
            ? _scored[_next - 1]
            : throw new InvalidOperationException("The cursor is not on a row.");

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (_ahead is null) return true;
            if (_next == _scored.Count) TakeNextBatch();
            _next++;
            return true;
        }

        // The batch after the one being served is read as soon as this one is taken, and scored while this one is
        // served, so reading rows overlaps the forward passes. A failure, whether reading or scoring, is raised when
        // the cursor reaches that batch.
        private void TakeNextBatch()
        {
            _pending ??= StartBatch();
            Task<ScoringOutput[]> current = _pending
                ?? throw new InvalidOperationException("The source gave fewer rows to score than to read; it must yield the same rows to every cursor.");
            _pending = null;
            ScoringOutput[] results = current.GetAwaiter().GetResult();
            _scored.Clear();
            _scored.AddRange(results);
            _next = 0;
            _pending = StartBatch();
        }

        /// <summary>Reads the next batch's inputs on this thread and scores them on others; null when no rows are left.</summary>
        private Task<ScoringOutput[]>? StartBatch()
        {
            var inputs = new List<Func<float[]>>();
            NetworkModel? model = _network;
            try
            {
                while (inputs.Count < _view._batchSize && _ahead!.MoveNext())
                {
                    // The network column is the pipeline's constant (a ValueMapping of a constant key): read once per cursor.
                    model ??= _network = _view.FirstNetwork();
                    inputs.Add(ReadInput(model.Header, _ahead.Position + 1));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return Task.FromException<ScoringOutput[]>(ex);
            }
            if (inputs.Count == 0) return null;
            int lanes = ScoringLanes.LaneCount(Math.Max(inputs.Count, MinimumRows));
            return Task.Run(() => Score(model!, inputs, lanes));
        }

        // Decoding an encoded image is left to the lane that scores it.
        private Func<float[]> ReadInput(NetworkHeader h, long row)
        {
            if (_bytes is not null)
            {
                _bytes(ref _image);
                byte[] encoded = _image.GetValues().ToArray();
                return () => ImageFeatures.Decode(encoded, h.InputChannels, h.Height, h.Width, $"Row {row}");
            }
            _pixels!(ref _floats);
            var pixels = new float[_floats.Length];
            _floats.CopyTo(pixels);
            return () => pixels;
        }

        private static ScoringOutput[] Score(NetworkModel model, List<Func<float[]>> inputs, int lanes)
        {
            // libtorch computes batches of fewer than 16 rows with other kernels (the classifier's matrix product rounds differently), so a
            // short last batch is padded with copies of its last row: a row's scores do not depend on its batch.
            int real = inputs.Count;
            while (inputs.Count < MinimumRows) inputs.Add(inputs[^1]);
            float[][] probabilities = model.PredictBatch(inputs.Count, n => inputs[n](), lanes);
            var results = new ScoringOutput[real];
            for (int k = 0; k < real; k++)
            {
                results[k] = new ScoringOutput();
                results[k].Fill(probabilities[k]);
            }
            return results;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // A batch read ahead and never served: its outcome, failure included, concerns nobody; let it finish first.
                try
                {
                    _pending?.Wait();
                }
                catch (AggregateException)
                {
                }
                _main.Dispose();
                _ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// A loaded GaNas model whose <c>Transform</c> scores in batches (<see cref="BatchedScoring"/>); row-to-row mapping
/// (PredictionEngine) and saving are the loaded chain's own.
/// </summary>
internal sealed class BatchedModel(ITransformer inner) : ITransformer
{
    /// <summary>The loaded chain.</summary>
    public ITransformer Inner => inner;

    public bool IsRowToRowMapper => inner.IsRowToRowMapper;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return BatchedScoring.Transform(inner, input);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => inner.Save(ctx);
}
