namespace GaNas.Orleans;

/// <summary>
/// The worker grain: scores architectures under an evaluation spec. A stateless worker keyed by the address of the silo
/// it is meant for: the first call for a key carries that silo as a placement hint, so every later call with the key goes
/// there, and a client keeps one call per lane of each silo in flight.
/// It computes only registered proxies of registered spaces on the architectures and images it is sent: no request
/// runs code of the caller's choosing.
/// </summary>
public interface IProxyEvaluationGrain : IGrainWithStringKey
{
    /// <summary>The silo's address, lanes and threads.</summary>
    Task<WorkerDescription> Describe();

    /// <summary>
    /// Scores one architecture, or answers <see cref="EvaluationReply.NeedsSpec"/> when the spec is unknown here and not
    /// attached; an evaluation that fails (a malformed spec or architecture) answers with <see cref="EvaluationReply.Error"/>.
    /// </summary>
    Task<EvaluationReply> Evaluate(EvaluationRequest request);
}
