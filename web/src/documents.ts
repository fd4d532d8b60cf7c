// The GraphQL documents the page sends: one place, named as the API names things.

export const CARD = `id name company value currency probability taskStatus isRotten
  owner { id name } stage { id } updatedAt`;

export const COLUMN_FIGURES = `stage { id name } dealCount totalValue forecastValue rottenCount`;

export const BOARD = `query Board($processId: ID!, $filter: BoardFilter, $first: Int, $after: String) {
  board(processId: $processId, filter: $filter) {
    process { id name } currency dealCount totalValue forecastValue eventCursor
    columns { ${COLUMN_FIGURES}
      deals(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${CARD} } } } }
  }
}`;

export const BOARD_EVENTS = `subscription BoardEvents($processId: ID!, $after: String) {
  boardEvents(processId: $processId, after: $after) {
    cursor kind dealId deal { ${CARD} } columns { ${COLUMN_FIGURES} }
  }
}`;

export const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token user { id name role } errors { code message } }
}`;

export const LOGOUT = `mutation { logout { ok errors { code message } } }`;

export const START = `{ me { id name role } processes { id name isDefault } users { id name active } }`;

export const DEAL = `query Deal($id: ID!) {
  deal(id: $id) {
    id name company value currency status probability lostReason version canEdit
    owner { name } stage { id name }
    process { id stages { id name steps { id name mandatory requireNote whoCanPerform canPerform } } }
    completedSteps { step { id } completedBy { name } completedAt note fileName fileUrl }
    missingMandatorySteps { id name }
    history(first: 30) { edges { node { kind at actor { name } note changes { field from to } } } }
  }
}`;

const DEAL_PAYLOAD = `deal { id } errors { code message field }`;

export const COMPLETE_STEP = `mutation Complete($input: CompleteStepInput!) { completeStep(input: $input) { ${DEAL_PAYLOAD} } }`;
export const UNCOMPLETE_STEP = `mutation Uncomplete($input: UncompleteStepInput!) { uncompleteStep(input: $input) { ${DEAL_PAYLOAD} } }`;
export const WIN = `mutation Win($id: ID!) { winDeal(input: {id: $id}) { ${DEAL_PAYLOAD} } }`;
export const LOSE = `mutation Lose($input: CloseDealInput!) { loseDeal(input: $input) { ${DEAL_PAYLOAD} } }`;
export const CANCEL = `mutation Cancel($input: CloseDealInput!) { cancelDeal(input: $input) { ${DEAL_PAYLOAD} } }`;
export const REOPEN = `mutation Reopen($id: ID!) { reopenDeal(input: {id: $id}) { ${DEAL_PAYLOAD} } }`;

export const STATS = `query Stats($processId: ID, $from: Date, $to: Date) {
  pipelineStats(processId: $processId, from: $from, to: $to) {
    from to currency
    processes { process { id name }
      stages { stage { id name } openCount openValue forecastValue lostCount reachedShare } }
  }
}`;
