namespace GaNas.Orleans;

/// <summary>One architecture to score under an evaluation spec; the spec itself travels only when the worker asks for it.</summary>
[GenerateSerializer, Immutable]
public sealed class EvaluationRequest
{
    /// <summary>The spec's key.</summary>
    [Id(0)] public required string Key { get; init; }

    /// <summary>The architecture, in its space's canonical text.</summary>
    [Id(1)] public required string Architecture { get; init; }

    /// <summary>The spec, sent again after a worker answered <see cref="EvaluationReply.NeedsSpec"/>; null otherwise.</summary>
    [Id(2)] public EvaluationSpec? Spec { get; init; }
}

/// <summary>A worker's answer: the proxy values (with failures), or a request for the spec it does not hold yet.</summary>
[GenerateSerializer, Immutable]
public sealed class EvaluationReply
{
    /// <summary>True when the worker does not hold the request's spec: send the request again with it.</summary>
    [Id(0)] public bool NeedsSpec { get; init; }

    /// <summary>Proxy names, in the spec's order.</summary>
    [Id(1)] public string[] Names { get; init; } = [];

    /// <summary>Proxy values as computed (a failed proxy carries its failure value and a reason).</summary>
    [Id(2)] public double[] Values { get; init; } = [];

    /// <summary>Why each proxy failed, or null.</summary>
    [Id(3)] public string?[] Failures { get; init; } = [];

    /// <summary>Wall time of the evaluation on the worker, in seconds (what a local evaluation reports).</summary>
    [Id(4)] public double Seconds { get; init; }

    /// <summary>The silo that computed it.</summary>
    [Id(5)] public string Silo { get; init; } = "";

    /// <summary>Why the evaluation failed on the worker (the exception's type and message), or null: it would fail on any worker.</summary>
    [Id(6)] public string? Error { get; init; }
}

/// <summary>What a worker silo offers: its address, its lanes (evaluations at once) and libtorch threads per lane.</summary>
[GenerateSerializer, Immutable]
public sealed class WorkerDescription
{
    /// <summary>The silo's address.</summary>
    [Id(0)] public required string Silo { get; init; }

    /// <summary>Evaluations the silo runs at once.</summary>
    [Id(1)] public required int Lanes { get; init; }

    /// <summary>libtorch intra-op threads of each evaluation.</summary>
    [Id(2)] public required int Threads { get; init; }

    /// <summary>The machine's name.</summary>
    [Id(3)] public required string Host { get; init; }

    /// <summary>The worker's proxy code version (<see cref="GaNas.Search.RunFingerprint.ProxyCodeVersion"/>).</summary>
    [Id(4)] public required string ProxyCodeVersion { get; init; }
}
